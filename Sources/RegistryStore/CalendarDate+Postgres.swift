import PostgresClient
import RegistryDomain

extension CalendarDate: PostgresCodable {
  /// `YYYY-MM-DD`; sessions run with `DateStyle = ISO, YMD` (set by `Store`).
  public var postgresText: String? { description }

  public static func decode(postgresText text: String) throws -> CalendarDate {
    guard let date = CalendarDate(iso: text) else {
      throw PostgresError(
        sqlState: .invalidDatetimeFormat, message: "not an ISO date: \(text.prefix(40))")
    }
    return date
  }
}

extension PostgresRow {
  /// Decodes a coded value (an enum with the registry's spellings); an unknown spelling in the
  /// database is an internal error, never silently replaced.
  func code<T: ClinicalCode>(_ column: String, as type: T.Type = T.self) throws -> T {
    let text: String = try decode(column)
    guard let value = T(rawValue: text) else {
      throw PostgresError(
        sqlState: .internalError,
        message: "column \(column) holds an unknown \(T.codeName) '\(text)'")
    }
    return value
  }
}
