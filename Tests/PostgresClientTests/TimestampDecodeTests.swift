import Foundation
import PostgresClient
import Testing

/// `timestamptz` text decodes through the domain's one day count (`CalendarDate.dayNumber`):
/// checked against Foundation's Gregorian calendar in UTC from year 1 to 9999.
@Suite struct TimestampDecodeTests {
  @Test func decodedDaysAgreeWithFoundationOverTenMillennia() throws {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    // Foundation's Gregorian calendar switches to Julian before 1582-10-15; compare from there,
    // and the proleptic years before it by their distance in whole 400-year cycles.
    let start = calendar.date(from: DateComponents(year: 1582, month: 10, day: 15))!
    var checked = 0
    for offset in stride(from: 0, through: 3_080_000, by: 37) {
      let expected = start.addingTimeInterval(Double(offset) * 86_400)
      let c = calendar.dateComponents([.year, .month, .day], from: expected)
      guard let year = c.year, year <= 9999, let month = c.month, let day = c.day else { break }
      let text = String(format: "%04d-%02d-%02d 00:00:00+00", year, month, day)
      #expect(try Date.decode(postgresText: text) == expected, "\(text)")
      // The same day 2000 years (five 400-year cycles) earlier is 730,485 days before it.
      if year > 2000 {
        let early = String(format: "%04d-%02d-%02d 00:00:00+00", year - 2000, month, day)
        #expect(
          try Date.decode(postgresText: early)
            == expected.addingTimeInterval(-730_485 * 86_400), "\(early)")
      }
      checked += 1
    }
    #expect(checked > 80_000)
    #expect(throws: (any Error).self) { try Date.decode(postgresText: "2026-02-30 00:00:00+00") }
  }
}
