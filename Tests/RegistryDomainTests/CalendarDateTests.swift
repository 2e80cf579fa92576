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

  @Test func ageInWholeYears() throws {
    let birth = try #require(CalendarDate(iso: "1990-06-15"))
    #expect(try #require(CalendarDate(iso: "2026-06-14")).years(since: birth) == 35)
    #expect(try #require(CalendarDate(iso: "2026-06-15")).years(since: birth) == 36)
  }
}
