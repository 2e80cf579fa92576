import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// The patient-status rule is written twice, in `PatientStatus.canBecome(_:given:)` and in
/// the trigger `registry.check_status_transition`; every ordered pair of distinct statuses is
/// tried against the database and must get the domain's verdict.
@Suite struct PatientStatusRulesTests {
  /// Tries `from` → `to` for the patient inside a transaction that is rolled back: the status
  /// is first set to `from` (unless it already is), then to `to`. Returns whether the trigger
  /// accepted the second change; any refusal other than MR011 is recorded as an issue.
  static func databaseAllows(
    _ c: Connection, _ studyID: String, from: PatientStatus, to: PatientStatus,
    current: PatientStatus
  ) throws -> Bool {
    _ = try c.execute("BEGIN")
    defer { _ = try? c.execute("ROLLBACK") }
    try c.query("SELECT set_config('mscreg.reason', 'status rule test', true)")
    if from != current {
      try c.query(
        "UPDATE registry.patient SET status = $2, status_on = enrolled_on + 1 WHERE study_id = $1",
        [studyID, from.rawValue])
    }
    do {
      try c.query(
        "UPDATE registry.patient SET status = $2, status_on = enrolled_on + 2 WHERE study_id = $1",
        [studyID, to.rawValue])
      return true
    } catch let error as PostgresError {
      #expect(error.sqlState == .patientStatusTransition, "\(from) → \(to): \(error)")
      return false
    }
  }

  @Test func everyTransitionPairAgreesWithTheDatabaseTrigger() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let c = try db.connect()
      defer { c.close() }
      let all = PatientStatus.allCases
      // Nothing live: every pair, the status reached from `enrolled` first.
      let plain = try f.enrollSLE(daysAgo: 60)
      for from in all {
        for to in all where to != from {
          let database = try Self.databaseAllows(c, plain, from: from, to: to, current: .enrolled)
          #expect(
            database == from.canBecome(to, given: .init()),
            "\(from) → \(to) with nothing live: database \(database)")
        }
      }
      // A live infusion (treated), a live death (died), a live loss to follow-up (lost).
      let infused = try f.enrollSLEInMSCArm(daysAgo: 60)
      _ = try f.infuse(infused, on: try f.enrolledOn(infused).adding(days: 2))
      let dead = try f.enrollSLE(daysAgo: 60)
      _ = try f.events.add(
        studyID: dead, kind: .death, on: try f.enrolledOn(dead).adding(days: 10), today: f.today)
      let lost = try f.enrollSLE(daysAgo: 60)
      _ = try f.events.add(
        studyID: lost, kind: .lostToFollowUp, on: try f.enrolledOn(lost).adding(days: 10),
        today: f.today)
      let cases: [(String, PatientStatus, PatientStatus.Evidence)] = [
        (infused, .treated, .init(liveInfusion: true)),
        (dead, .died, .init(liveDeath: true)),
        (lost, .lostToFollowUp, .init(liveLossToFollowUp: true)),
      ]
      for (studyID, from, evidence) in cases {
        let status: String? = try f.scalar(
          "SELECT status FROM registry.patient WHERE study_id = $1", [studyID])
        #expect(status == from.rawValue)
        for to in all where to != from {
          let database = try Self.databaseAllows(c, studyID, from: from, to: to, current: from)
          #expect(
            database == from.canBecome(to, given: evidence),
            "\(from) → \(to) with \(evidence): database \(database)")
        }
      }
    }
  }
}
