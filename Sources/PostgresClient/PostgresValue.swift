import Foundation
import RegistryDomain

/// A value that can be sent as a query parameter, in PostgreSQL's text format.
///
/// Values are always bound as parameters (`$1`, `$2`, …), never spliced into SQL text.
public protocol PostgresEncodable {
  /// The text form PostgreSQL parses for this value; nil sends SQL NULL.
  var postgresText: String? { get }
}

/// A value that can be read from a result column in PostgreSQL's text format.
public protocol PostgresDecodable {
  /// Parses the text form of a non-NULL column value; throws when it does not fit the type.
  static func decode(postgresText: String) throws -> Self
  /// The value for SQL NULL; throws unless the type is an `Optional`.
  static func decodeNull(column: String) throws -> Self
}

extension PostgresDecodable {
  /// Non-optional types refuse NULL.
  public static func decodeNull(column: String) throws -> Self {
    throw PostgresError(sqlState: .nullValueNotAllowed, message: "column \"\(column)\" is NULL")
  }
}

/// Both directions.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

func decodeFailure(_ type: Any.Type, _ text: String) -> PostgresError {
  PostgresError(
    sqlState: .invalidTextRepresentation,
    message: "cannot decode \(type) from \"\(text.prefix(80))\"")
}

extension String: PostgresCodable {
  public var postgresText: String? { self }
  public static func decode(postgresText: String) throws -> String { postgresText }
}

extension Int: PostgresCodable {
  public var postgresText: String? { String(self) }
  public static func decode(postgresText: String) throws -> Int {
    guard let v = Int(postgresText) else { throw decodeFailure(Int.self, postgresText) }
    return v
  }
}

extension Int32: PostgresCodable {
  public var postgresText: String? { String(self) }
  public static func decode(postgresText: String) throws -> Int32 {
    guard let v = Int32(postgresText) else { throw decodeFailure(Int32.self, postgresText) }
    return v
  }
}

extension Int64: PostgresCodable {
  public var postgresText: String? { String(self) }
  public static func decode(postgresText: String) throws -> Int64 {
    guard let v = Int64(postgresText) else { throw decodeFailure(Int64.self, postgresText) }
    return v
  }
}

extension Double: PostgresCodable {
  /// Shortest round-tripping decimal form; `NaN` and infinities use PostgreSQL's spellings.
  public var postgresText: String? {
    if isNaN { return "NaN" }
    if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
    return "\(self)"
  }
  public static func decode(postgresText: String) throws -> Double {
    switch postgresText {
    case "NaN": return .nan
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default:
      guard let v = Double(postgresText) else { throw decodeFailure(Double.self, postgresText) }
      return v
    }
  }
}

extension Decimal: PostgresCodable {
  /// `numeric` values travel as exact decimal text.
  public var postgresText: String? { description }
  public static func decode(postgresText: String) throws -> Decimal {
    guard let v = Decimal(string: postgresText, locale: Locale(identifier: "en_US_POSIX")) else {
      throw decodeFailure(Decimal.self, postgresText)
    }
    return v
  }
}

extension Bool: PostgresCodable {
  public var postgresText: String? { self ? "t" : "f" }
  public static func decode(postgresText: String) throws -> Bool {
    switch postgresText {
    case "t", "true": return true
    case "f", "false": return false
    default: throw decodeFailure(Bool.self, postgresText)
    }
  }
}

extension Date: PostgresCodable {
  /// `timestamptz` in ISO 8601 with microseconds and an explicit UTC offset.
  public var postgresText: String? {
    let seconds = timeIntervalSince1970
    let whole = seconds.rounded(.down)
    let micros = Int(((seconds - whole) * 1_000_000).rounded())
    var t = time_t(whole)
    var parts = tm()
    gmtime_r(&t, &parts)
    return String(
      format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", Int(parts.tm_year) + 1900,
      Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
      Int(parts.tm_sec), micros)
  }

  /// Parses PostgreSQL's `timestamptz` output (`2026-11-21 04:55:09.123456+00`, any offset).
  public static func decode(postgresText text: String) throws -> Date {
    // yyyy-mm-dd hh:mm:ss[.ffffff](+|-)hh[:mm[:ss]]
    let chars = Array(text.utf8)
    func num(_ from: Int, _ len: Int) -> Int? {
      guard from + len <= chars.count else { return nil }
      var v = 0
      for c in chars[from..<(from + len)] {
        guard c >= 48, c <= 57 else { return nil }
        v = v * 10 + Int(c - 48)
      }
      return v
    }
    guard chars.count >= 22, let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
      let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2)
    else { throw decodeFailure(Date.self, text) }
    var i = 19
    var fraction = 0.0
    if i < chars.count, chars[i] == UInt8(ascii: ".") {
      i += 1
      var scale = 0.1
      while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
        fraction += Double(chars[i] - 48) * scale
        scale /= 10
        i += 1
      }
    }
    guard i < chars.count, chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-"),
      let offH = num(i + 1, 2)
    else { throw decodeFailure(Date.self, text) }
    let sign = chars[i] == UInt8(ascii: "+") ? 1 : -1
    var offset = offH * 3600
    if i + 3 < chars.count, chars[i + 3] == UInt8(ascii: ":"), let offM = num(i + 4, 2) {
      offset += offM * 60
      if i + 6 < chars.count, chars[i + 6] == UInt8(ascii: ":"), let offS = num(i + 7, 2) {
        offset += offS
      }
    }
    guard let date = CalendarDate(year: year, month: month, day: day) else {
      throw decodeFailure(Date.self, text)
    }
    let days = date.dayNumber
    let secs = Double(days * 86400 + hour * 3600 + minute * 60 + second - sign * offset)
    return Date(timeIntervalSince1970: secs + fraction)
  }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
  public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
  public static func decode(postgresText: String) throws -> Wrapped? {
    try Wrapped.decode(postgresText: postgresText)
  }
  /// NULL is nil.
  public static func decodeNull(column: String) throws -> Wrapped? { nil }
}

/// A `jsonb` or `json` value, carried as its JSON text.
public struct PostgresJSON: PostgresCodable, Hashable, Sendable {
  /// The JSON document as text.
  public var text: String
  /// Wraps JSON text (not validated here; the server validates it).
  public init(_ text: String) { self.text = text }
  /// Encodes an `Encodable` value with sorted keys.
  public init<T: Encodable>(encoding value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    text = String(decoding: try encoder.encode(value), as: UTF8.self)
  }
  /// Decodes the JSON into a `Decodable` type.
  public func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(text.utf8))
  }
  public var postgresText: String? { text }
  public static func decode(postgresText: String) throws -> PostgresJSON {
    PostgresJSON(postgresText)
  }
}

/// A one-dimensional array, sent and read in PostgreSQL's array literal syntax (`{a,"b c",NULL}`).
public struct PostgresArray<Element: PostgresCodable>: PostgresCodable {
  /// The elements; nil stands for a NULL element.
  public var elements: [Element?]
  /// Wraps elements.
  public init(_ elements: [Element?]) { self.elements = elements }

  public var postgresText: String? {
    let items = elements.map { element -> String in
      guard let text = element?.postgresText else { return "NULL" }
      let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"")
      return "\"\(escaped)\""
    }
    return "{" + items.joined(separator: ",") + "}"
  }

  public static func decode(postgresText text: String) throws -> PostgresArray<Element> {
    var chars = Substring(text)
    guard chars.first == "{", chars.last == "}" else { throw decodeFailure(Self.self, text) }
    chars = chars.dropFirst().dropLast()
    var result: [Element?] = []
    if chars.isEmpty { return PostgresArray(result) }
    var current = ""
    var quoted = false
    var wasQuoted = false
    var escape = false
    func finish() throws {
      if !wasQuoted && current == "NULL" {
        result.append(nil)
      } else {
        result.append(try Element.decode(postgresText: current))
      }
      current = ""
      wasQuoted = false
    }
    for c in chars {
      if escape {
        current.append(c)
        escape = false
      } else if c == "\\" {
        escape = true
      } else if c == "\"" {
        quoted.toggle()
        wasQuoted = true
      } else if c == "," && !quoted {
        try finish()
      } else {
        current.append(c)
      }
    }
    try finish()
    return PostgresArray(result)
  }
}

/// A `date` column: a calendar date without time zone.
public struct PostgresDate: PostgresCodable, Hashable, Sendable {
  /// Year, month 1–12, day 1–31.
  public var year: Int, month: Int, day: Int
  /// Creates a date from its parts.
  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }
  public var postgresText: String? { String(format: "%04d-%02d-%02d", year, month, day) }
  public static func decode(postgresText text: String) throws -> PostgresDate {
    let parts = text.split(separator: "-")
    guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
    else { throw decodeFailure(PostgresDate.self, text) }
    return PostgresDate(year: y, month: m, day: d)
  }
}
