import Foundation
import Testing

@testable import RegistryDomain

@Suite struct CalendarDateTests {
  @Test func parsesStrictISO() {
    #expect(CalendarDate(iso: "2026-03-01")?.description == "2026-03-01")
    #expect(CalendarDate(iso: "2026-02-30") == nil)
    #expect(CalendarDate(iso: "2024-02-29") != nil)
    #expect(CalendarDate(iso: "2023-02-29") == nil)
    #expect(CalendarDate(iso: "26-03-01") == nil)
    #expect(CalendarDate(iso: "2026-3-1") == nil)
    #expect(CalendarDate(iso: "") == nil)
  }

  @Test func dayArithmeticRoundTrips() throws {
    let d = try #require(CalendarDate(iso: "2026-11-21"))
    #expect(CalendarDate(dayNumber: d.dayNumber) == d)
    #expect(d.adding(days: 10).description == "2026-12-01")
    #expect(d.adding(days: -365).description == "2025-11-21")
    #expect(CalendarDate(iso: "1970-01-01")?.dayNumber == 0)
    for n in stride(from: -800_000, through: 800_000, by: 997) {
      #expect(CalendarDate(dayNumber: n).dayNumber == n)
    }
  }

  @Test func isoFormIsZeroPaddedAndRoundTrips() throws {
    #expect(try #require(CalendarDate(year: 1, month: 2, day: 3)).description == "0001-02-03")
    #expect(try #require(CalendarDate(year: 999, month: 12, day: 31)).description == "0999-12-31")
    #expect(try #require(CalendarDate(year: 9999, month: 1, day: 9)).description == "9999-01-09")
    // Every 389th day from year 1 to 9999, and days outside them (dayNumber does not stop at
    // the years a parsed date may have), against printf's zero-padded form.
    for n in stride(from: -720_000, through: 2_933_000, by: 389) {
      let d = CalendarDate(dayNumber: n)
      #expect(d.description == String(format: "%04d-%02d-%02d", d.year, d.month, d.day))
      if (1...9999).contains(d.year) { #expect(CalendarDate(iso: d.description) == d) }
    }
  }

  @Test func ageInWholeYears() throws {
    let birth = try #require(CalendarDate(iso: "1990-06-15"))
    #expect(try #require(CalendarDate(iso: "2026-06-14")).years(since: birth) == 35)
    #expect(try #require(CalendarDate(iso: "2026-06-15")).years(since: birth) == 36)
  }
}
