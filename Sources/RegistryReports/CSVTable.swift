import RegistryDomain

/// Renders a table as RFC 4180 CSV: a header line, CRLF line ends, and every cell escaped by
/// `field(_:)`.
///
/// Every CSV the registry writes (the de-identified export, each command's `--format csv`, the
/// cohort report) goes through `field(_:)`, so one rule keeps formulas out of spreadsheets.
public enum CSVTable {
  /// The CSV text of a header and rows.
  public static func render(header: [String], rows: [[String]]) -> String {
    ([header] + rows).map { line($0) + "\r\n" }.joined()
  }

  /// The CSV text of a de-identified table.
  public static func render(_ table: DeidentifiedTable) -> String {
    render(header: table.header, rows: table.rows)
  }

  /// One line of cells (without its line end), each escaped by `field(_:)`.
  public static func line(_ cells: [String]) -> String {
    cells.map(field).joined(separator: ",")
  }

  /// One cell: neutralized against formula injection (`neutralized(_:)`), then quoted (with
  /// quotes doubled) when it holds a comma, a quote, CR or LF.
  public static func field(_ text: String) -> String {
    let cell = neutralized(text)
    return cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
  }

  /// A text cell that a spreadsheet would read as a formula or command: it begins with `=`,
  /// `+`, `-`, `@`, a tab or a carriage return. Such a cell gets a leading `'`, so that it shows
  /// as the text it is. A number (`-0.5`, `-3`, `1e-3`) stays as it is.
  public static func neutralized(_ text: String) -> String {
    guard let first = text.unicodeScalars.first, formulaStarts.contains(first) else {
      return text
    }
    return isNumber(text) ? text : "'" + text
  }

  /// The first characters that make a spreadsheet evaluate a cell.
  static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

  /// A plain decimal number: an optional `-`, digits, an optional fraction and exponent.
  static func isNumber(_ text: String) -> Bool {
    var s = Substring(text).unicodeScalars[...]
    func digits() -> Int {
      var n = 0
      while let c = s.first, ("0"..."9").contains(c) {
        s.removeFirst()
        n += 1
      }
      return n
    }
    if s.first == "-" { s.removeFirst() }
    var mantissa = digits()
    if s.first == "." {
      s.removeFirst()
      mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if s.first == "e" || s.first == "E" {
      s.removeFirst()
      if s.first == "-" || s.first == "+" { s.removeFirst() }
      guard digits() > 0 else { return false }
    }
    return s.isEmpty
  }
}
