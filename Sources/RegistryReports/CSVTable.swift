import RegistryDomain

/// Renders a table as RFC 4180 CSV: a header line, CRLF line ends, and a field quoted (with
/// quotes doubled) when it holds a comma, a quote, CR or LF.
public enum CSVTable {
  /// The CSV text of a header and rows.
  public static func render(header: [String], rows: [[String]]) -> String {
    ([header] + rows).map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
  }

  /// The CSV text of a de-identified table.
  public static func render(_ table: DeidentifiedTable) -> String {
    render(header: table.header, rows: table.rows)
  }

  /// One field, quoted when it must be.
  public static func field(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}
