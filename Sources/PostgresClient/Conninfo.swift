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
        sqlState: .protocolViolation,
        message: reason.trimmingCharacters(in: .whitespacesAndNewlines))
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

extension Conninfo {
  /// libpq's environment variables and the connection keyword each one sets (`PGHOST` →
  /// `host`, `PGDATABASE` → `dbname`, …), as libpq itself lists them (`PQconndefaults`).
  public static let environmentKeywords: [String: String] = {
    guard let options = PQconndefaults() else { return [:] }
    defer { PQconninfoFree(options) }
    var result: [String: String] = [:]
    var p = options
    while let keyword = p.pointee.keyword {
      if let envvar = p.pointee.envvar {
        result[String(cString: envvar)] = String(cString: keyword)
      }
      p += 1
    }
    return result
  }()

  /// `conninfo` with the settings of libpq environment variables (`PG*`) in `environment` added
  /// as explicit keywords, where `conninfo` does not set that keyword itself.
  ///
  /// This lets a caller hand libpq an environment of its own (an in-process run of the command
  /// line) without changing the process's environment. Settings in `conninfo` win, as they do
  /// over libpq's own environment variables. Returns `conninfo` unchanged when `environment`
  /// names no libpq variable.
  public static func applying(environment: [String: String], to conninfo: String) throws
    -> String
  {
    let settings = environment.compactMap { name, value in
      environmentKeywords[name].map { (key: $0, value: value) }
    }.filter { !$0.value.isEmpty }
    if settings.isEmpty { return conninfo }
    var parts = try parse(conninfo)
    let given = Set(parts.map(\.key))
    for setting in settings.sorted(by: { $0.key < $1.key }) where !given.contains(setting.key) {
      parts.append(setting)
    }
    return parts.map { "\($0.key)=\(quote($0.value))" }.joined(separator: " ")
  }
}
