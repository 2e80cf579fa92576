import Foundation

/// A calendar date without time or time zone, as clinical records use them (ISO 8601 `YYYY-MM-DD`).
///
/// Trial days are counted between calendar dates (`days(until:)`), never between instants, so a
/// visit window does not shift with the time zone of the machine that computes it.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  /// Four-digit year (1–9999).
  public let year: Int
  /// Month 1–12.
  public let month: Int
  /// Day of month 1–31, valid for the month and year.
  public let day: Int

  /// Creates a date from its parts; returns nil when the parts do not name a real day.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
      day <= CalendarDate.daysInMonth(year: year, month: month)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses strict ISO 8601 `YYYY-MM-DD`; returns nil for anything else (including `2026-02-30`).
  public init?(iso string: String) {
    let parts = string.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
      let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
    else { return nil }
    self.init(year: y, month: m, day: d)
  }

  /// The ISO 8601 form, `YYYY-MM-DD`: digit by digit for years 0–9999 (every date the registry
  /// keeps), since `String(format:)` is slow on Linux and this runs for every date a report,
  /// an export, a seed or the registry service writes; `String(format:)` for the rest.
  public var description: String {
    guard (0...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else {
      return String(format: "%04d-%02d-%02d", year, month, day)
    }
    var bytes: [UInt8] = [48, 48, 48, 48, 45, 48, 48, 45, 48, 48]
    var y = year
    for i in stride(from: 3, through: 0, by: -1) {
      bytes[i] = UInt8(48 + y % 10)
      y /= 10
    }
    bytes[5] = UInt8(48 + month / 10)
    bytes[6] = UInt8(48 + month % 10)
    bytes[8] = UInt8(48 + day / 10)
    bytes[9] = UInt8(48 + day % 10)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Days since 1970-01-01 (proleptic Gregorian), negative before it.
  public var dayNumber: Int {
    // Howard Hinnant's days_from_civil.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  /// The date `dayNumber` days after 1970-01-01.
  public init(dayNumber z0: Int) {
    let z = z0 + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    self.year = y
    self.month = m
    self.day = d
  }

  /// The date `days` days later (earlier when negative).
  public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

  /// Whole days from this date to `other` (positive when `other` is later).
  public func days(until other: CalendarDate) -> Int { other.dayNumber - dayNumber }

  /// Today's date in UTC.
  public static func today(now: Date = Date()) -> CalendarDate {
    CalendarDate(dayNumber: Int((now.timeIntervalSince1970 / 86400).rounded(.down)))
  }

  /// Whole years between `birth` and this date (the age on this date).
  public func years(since birth: CalendarDate) -> Int {
    var age = year - birth.year
    if (month, day) < (birth.month, birth.day) { age -= 1 }
    return age
  }

  public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }

  /// Number of days in a month of a year (Gregorian leap years).
  public static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let date = CalendarDate(iso: text) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "not an ISO 8601 date (YYYY-MM-DD): \(text)")
    }
    self = date
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
