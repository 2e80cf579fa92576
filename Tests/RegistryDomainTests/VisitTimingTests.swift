import RegistryDomain
import Testing

@Suite struct VisitTimingTests {
  let e = CalendarDate(year: 2026, month: 1, day: 31)!
  let today = CalendarDate(year: 2026, month: 12, day: 31)!
  let week4 = ScheduledVisit(code: "week4", day: 28, before: -7, after: 7)

  @Test func windowEndsIncludedAndDeviationNeedsTheFlagAndAReason() throws {
    for day in [21, 28, 35] {
      #expect(
        try AssessmentTiming.isDeviation(
          date: e.adding(days: day), visit: week4, enrolledOn: e, today: today,
          outOfWindow: false, reason: nil) == false)
    }
    for day in [20, 36] {
      let error = try #require(throws: RegistryError.self) {
        try AssessmentTiming.isDeviation(
          date: e.adding(days: day), visit: week4, enrolledOn: e, today: today,
          outOfWindow: false, reason: nil)
      }
      #expect(error.field == "date")
      #expect(
        try AssessmentTiming.isDeviation(
          date: e.adding(days: day), visit: week4, enrolledOn: e, today: today,
          outOfWindow: true, reason: "travel"))
    }
    #expect(throws: RegistryError.self) {
      try AssessmentTiming.isDeviation(
        date: e.adding(days: 40), visit: week4, enrolledOn: e, today: today, outOfWindow: true,
        reason: " ")
    }
  }

  @Test func classifyAroundTheEdges() {
    func state(_ day: Int) -> VisitDueState? {
      VisitDue.classify(week4, enrolledOn: e, asOf: e.adding(days: day))?.state
    }
    #expect(state(6) == nil)
    #expect(state(7) == .upcoming)
    #expect(state(20) == .upcoming)
    #expect(state(21) == .due)
    #expect(state(35) == .due)
    #expect(state(36) == .overdue)
  }
}
