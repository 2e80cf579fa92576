import Foundation
import RegistryReports

/// Printing helpers shared by commands: JSON, aligned tables, progress on a terminal.
enum Output {
  /// Writes a value as pretty JSON with sorted keys and ISO 8601 dates.
  static func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    CommandContext.current.standardOutput.write(data)
    CommandContext.current.standardOutput.write(Data("\n".utf8))
  }

  /// Prints rows as a table with a header, columns padded to the widest cell.
  static func table(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
      for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, cell in
        i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
  }

  /// Writes rows as RFC 4180 CSV with a header line through `CSVTable.render` (CRLF line
  /// ends; quoting, and a leading `'` on a text cell a spreadsheet would run as a formula).
  static func csv(_ header: [String], _ rows: [[String]]) {
    CommandContext.current.standardOutput.write(CSVTable.render(header: header, rows: rows))
  }

  /// True when standard error is a terminal: only then is progress shown.
  static var showsProgress: Bool {
    CommandContext.current.standardErrorIsTerminal
      && CommandContext.current.environment["CI"] == nil
  }

  /// A progress line on a terminal; nothing otherwise.
  static func progress(_ text: String) {
    guard showsProgress else { return }
    CommandContext.current.standardError.write(text + "\n")
  }
}
