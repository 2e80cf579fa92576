import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite(.blocking) struct VisitsDueServiceTests {
  /// week4 of SLE-UCMSC: day 28, window days 21…35; week12: days 77…91.
  @Test func dueOverdueAndUpcomingAroundTheWindowEdges() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      func week4(_ day: Int) throws -> VisitDue? {
        try f.investigator.assessments.visitsDue(site: "PAN", asOf: e.adding(days: day))
          .first { $0.visit == "week4" }
      }
      #expect(try week4(6) == nil)  // opens in 15 days: beyond the 14-day look-ahead
      #expect(try week4(7)?.state == .upcoming && (try week4(7)?.days) == 14)
      #expect(try week4(20)?.state == .upcoming && (try week4(20)?.days) == 1)
      #expect(try week4(21)?.state == .due && (try week4(21)?.days) == 15)
      #expect(try week4(35)?.state == .due && (try week4(35)?.days) == 1)
      #expect(try week4(36)?.state == .overdue && (try week4(36)?.days) == 1)
      let row = try #require(try week4(28))
      #expect(row.target == e.adding(days: 28))
      #expect(row.windowStart == e.adding(days: 21) && row.windowEnd == e.adding(days: 35))
      // The baseline was assessed at enrollment: never listed.
      let all = try f.investigator.assessments.visitsDue(asOf: e.adding(days: 100))
      #expect(all.map(\.visit) == ["week4", "week12"])
      #expect(all.map(\.state) == [.overdue, .overdue])
      // An assessed visit disappears; a voided one comes back.
      _ = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 30),
        measures: try MeasureSet(parsing: RawMeasures(pga: "1")), today: f.today)
      #expect(try week4(36) == nil)
      _ = try f.assessments.void(studyID: id, visit: "week4", reason: "wrong date")
      #expect(try week4(36)?.state == .overdue)
    }
  }

  @Test func onlyActivePatientsAndFilters() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let sle = try f.enrollSLE(daysAgo: 30)
      let aclf = try f.enrollACLF(daysAgo: 30)
      let gone = try f.enrollSLE(daysAgo: 30, site: "BOG")
      _ = try f.coordinator.patients.withdraw(
        studyID: gone, reason: "moved", on: f.today, today: f.today)
      let due = try f.investigator.assessments.visitsDue(asOf: f.today)
      #expect(Set(due.map(\.studyID)) == [sle, aclf])
      #expect(
        try f.investigator.assessments.visitsDue(site: "GZU", asOf: f.today).allSatisfy {
          $0.studyID == aclf
        })
      #expect(
        try f.investigator.assessments.visitsDue(protocolCode: "SLE-UCMSC", asOf: f.today)
          .allSatisfy {
            $0.studyID == sle
          })
      // Overdue first, then due, then upcoming.
      let order = due.map(\.state)
      #expect(
        order
          == order.sorted {
            VisitDueState.allCases.firstIndex(of: $0)! < VisitDueState.allCases.firstIndex(of: $1)!
          })
      let unknown = try #require(throws: RegistryError.self) {
        try f.investigator.assessments.visitsDue(site: "XXX", asOf: f.today)
      }
      #expect(unknown.exitStatus == 66 && unknown.field == "site")
    }
  }
}
