import Foundation

/// One cell of the README's command × role table.
public enum RoleTableCell: String, CaseIterable, Sendable {
  case allowed = "allowed"
  case ownSites = "own sites"
  case denied = "denied"
}

/// The README's command × role table (between `<!-- role-table:begin -->` and
/// `<!-- role-table:end -->`), read once for the suites that check it: through the CLI as
/// real logins (RoleTableTests) and over HTTP (HTTPRoleTableTests).
public enum ReadmeRoleTable {
  /// The table's rows: the command (without its backquotes) and one cell per role, in the
  /// order coordinator, investigator, monitor, admin.
  public static func rows() throws -> [(command: String, cells: [RoleTableCell])] {
    let readme = try String(
      contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    guard let begin = readme.range(of: "<!-- role-table:begin -->"),
      let end = readme.range(of: "<!-- role-table:end -->")
    else { throw ReadmeRoleTableError("README.md has no role-table markers") }
    var rows: [(String, [RoleTableCell])] = []
    for line in readme[begin.upperBound..<end.lowerBound].split(separator: "\n") {
      let fields = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count == 5, fields[0].hasPrefix("`") else { continue }
      let cells = try fields[1...].map { text in
        guard let cell = RoleTableCell(rawValue: text) else {
          throw ReadmeRoleTableError("cell \(text) of \(fields[0]) is not a known cell")
        }
        return cell
      }
      rows.append((fields[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells))
    }
    return rows
  }
}

/// A README role table that cannot be read.
public struct ReadmeRoleTableError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
