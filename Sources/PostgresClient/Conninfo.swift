import CLibPQ
import Foundation

/// Helpers for libpq connection strings (`key=value …` or `postgresql://` URIs).
public enum Conninfo {
  /// Parses a conninfo string or URI into its keywords with libpq's own parser.
  ///
  /// Throws a `PostgresError` with libpq's message when the string is malformed.
  public static func parse(_ conninfo: String) throws -> [(key: String, value: String)] {
    var errorMessage: UnsafeMutablePointer<CChar>?
    guard let options = PQconninfoParse(conninfo, &errorMessage) else {
      let reason = errorMessage.map { String(cString: $0) } ?? "malformed connection string"
      if let errorMessage { PQfreemem(errorMessage) }
      throw PostgresError(
        sqlState: "08P01", message: reason.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    defer { PQconninfoFree(options) }
    var result: [(String, String)] = []
    var p = options
    while let keyword = p.pointee.keyword {
      if let value = p.pointee.val {
        result.append((String(cString: keyword), String(cString: value)))
      }
      p += 1
    }
    return result
  }

  /// The same connection settings with `dbname` replaced (other settings keep libpq's defaults).
  public static func replacingDatabase(in conninfo: String, with database: String) throws
    -> String
  {
    var parts = try parse(conninfo).filter { $0.key != "dbname" }
    parts.append((key: "dbname", value: database))
    return parts.map { "\($0.key)=\(quote($0.value))" }.joined(separator: " ")
  }

  /// Quotes a value for a `key=value` conninfo string.
  public static func quote(_ value: String) -> String {
    let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "'", with: "\\'")
    return "'\(escaped)'"
  }
}
