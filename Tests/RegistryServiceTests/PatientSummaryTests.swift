import Foundation
import PostgresClient
import RegistryDomain
import RegistryReports
import RegistryService
import TestSupport
import Testing

/// The per-patient summary the cohort report reads (migration 0110): kept current by the
/// database under the coordinator's writes, amendments and voids, under concurrent writers of
/// one patient, and the report is byte for byte the one computed from the records alone.
@Suite(.blocking) struct PatientSummaryTests {
  /// Patients whose summary row differs from a recomputation from the records (a missing row
  /// equals a patient without any record).
  static func drift(_ db: TestDatabase) throws -> [String] {
    try db.connect().query(
      """
      SELECT n.study_id || ': ' || coalesce(s::text, 'no row') || ' <> ' || n::text AS d
      FROM registry.patient_summary_of(ARRAY(SELECT study_id FROM registry.patient)) n
      LEFT JOIN registry.patient_summary s ON s.study_id = n.study_id
      WHERE CASE WHEN s.study_id IS NULL THEN n.latest_on IS NOT NULL ELSE s::text <> n::text END
      ORDER BY 1
      """
    ).rows.map { try $0.decode("d") }
  }

  @Test func coordinatorWritesAmendmentsAndVoidsKeepItCurrent() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 28)
      let other = try f.enrollACLF(daysAgo: 40)
      let e = try f.enrolledOn(id)
      #expect(try Self.drift(db) == [])
      func summary(_ column: String) throws -> String? {
        try f.scalar(
          "SELECT \(column)::text FROM registry.patient_summary WHERE study_id = $1", [id])
      }
      // An assessment, amended to another day, voided, recorded again.
      _ = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 26),
        measures: try MeasureSet(parsing: RawMeasures(inr: "1.4")), today: f.today)
      #expect(try summary("assessed_on") == e.adding(days: 26).description)
      #expect(try Self.drift(db) == [])
      _ = try f.assessments.amend(
        studyID: id, visit: "week4", changes: RawMeasures(), date: e.adding(days: 27),
        reason: "transcription", today: f.today)
      #expect(try summary("assessed_on") == e.adding(days: 27).description)
      #expect(try Self.drift(db) == [])
      _ = try f.assessments.void(studyID: id, visit: "week4", reason: "wrong patient")
      #expect(try Self.drift(db) == [])
      _ = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 25),
        measures: try MeasureSet(parsing: RawMeasures(inr: "1.5")), today: f.today)
      #expect(try Self.drift(db) == [])
      // Adverse events: added, corrected (grade, resolution), voided.
      let ae = try f.adverseEvents.add(
        studyID: id,
        .init(term: "ascites", grade: .moderate, relatedness: .unrelated, onset: e.adding(days: 5)),
        today: f.today)
      _ = try f.adverseEvents.add(
        studyID: other,
        .init(term: "fever", grade: .mild, relatedness: .unrelated, onset: f.today), today: f.today)
      #expect(try summary("ae_worst") == "2")
      _ = try f.adverseEvents.update(
        studyID: id, eventID: ae.event.id,
        .init(grade: .severe, resolved: e.adding(days: 27), serious: .hospitalisation),
        reason: "regraded", today: f.today)
      #expect(try summary("ae_worst") == "3" && summary("ae_serious") == "true")
      #expect(try summary("adverse_on") == e.adding(days: 27).description)
      #expect(try Self.drift(db) == [])
      _ = try f.adverseEvents.void(studyID: id, eventID: ae.event.id, reason: "duplicate")
      #expect(try summary("ae_worst") == nil && summary("ae_unrelated") == nil)
      #expect(try Self.drift(db) == [])
      // A clinical event recorded and voided; a withdrawal.
      let transplant = try f.events.add(
        studyID: other, kind: .liverTransplant, on: f.today, today: f.today)
      #expect(try Self.drift(db) == [])
      _ = try f.events.void(studyID: other, eventID: transplant.event.id, reason: "wrong patient")
      #expect(try Self.drift(db) == [])
      _ = try f.coordinator.patients.withdraw(
        studyID: id, reason: "moved away", on: f.today, today: f.today)
      #expect(try summary("withdrawn_on") == f.today.description)
      #expect(try Self.drift(db) == [])
      // Nobody but the triggers writes it: not the coordinator, not the admin.
      for login in [f.logins.coordinatorOfEverySite, f.logins.admin] {
        let c = try Connection(conninfo: login.conninfo)
        #expect(throws: PostgresError.self) {
          try c.query("UPDATE registry.patient_summary SET ae_worst = 1")
        }
      }
    }
  }

  @Test func concurrentWritersOfOnePatientLeaveItCurrent() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 60)
      let e = try f.enrolledOn(id)
      let conninfo = db.conninfo
      // Eight writers add adverse events of the same patient at once, each in a transaction
      // that stays open a moment after its insert, so that they overlap.
      _ = try Concurrently.run(8) { i in
        let c = try Connection(conninfo: conninfo)
        try c.transaction { tx in
          try tx.query(
            """
            INSERT INTO registry.adverse_event (study_id, term, grade, relatedness, onset_on)
            VALUES ($1, 'nausea', $2, 'unrelated', $3::date)
            """, [id, 1 + i % 4, e.adding(days: 1 + i).description])
          try tx.query("SELECT pg_sleep(0.05)")
        }
      }
      #expect(try Self.drift(db) == [])
      #expect(
        try f.scalar(
          "SELECT ae_unrelated::text FROM registry.patient_summary WHERE study_id = $1", [id])
          == "8")
    }
  }

  /// Migration 0130: the summary is recomputed once per transaction, at commit, over every
  /// patient its statements touched. A coordinator's transaction that writes one patient's
  /// adverse events and a clinical event in several statements (one of them rolled back to a
  /// savepoint) leaves the summary current, and nothing of the commit step behind; a
  /// rolled-back transaction changes nothing.
  @Test func aTransactionOfSeveralStatementsIsSummarisedAtCommit() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 60)
      let e = try f.enrolledOn(id)
      func ae(_ c: Connection, _ term: String, grade: Int, day: Int) throws {
        try c.query(
          """
          INSERT INTO registry.adverse_event (study_id, term, grade, relatedness, onset_on)
          VALUES (\(id), \(term), \(grade), 'unrelated', \(e.adding(days: day).description)::date)
          """ as PostgresQuery)
      }
      func summary(_ column: String) throws -> String? {
        try db.connect().query(
          """
          SELECT \(unescaped: column)::text FROM registry.patient_summary WHERE study_id = \(id)
          """ as PostgresQuery
        ).rows.first?.decode(at: 0)
      }
      let c = try Connection(conninfo: f.logins.coordinatorOfEverySite.conninfo)
      try c.transaction { tx in
        try ae(tx, "nausea", grade: 2, day: 3)
        try tx.query("SAVEPOINT s")
        try ae(tx, "rash", grade: 4, day: 9)
        try tx.query("ROLLBACK TO SAVEPOINT s")
        try tx.query(
          """
          INSERT INTO registry.clinical_event (study_id, kind, occurred_on)
          VALUES (\(id), 'liver_transplant', \(e.adding(days: 20).description)::date)
          """ as PostgresQuery)
        try ae(tx, "fever", grade: 1, day: 25)
      }
      #expect(try Self.drift(db) == [])
      #expect(try summary("ae_worst") == "2" && summary("ae_unrelated") == "2")
      #expect(try summary("adverse_on") == e.adding(days: 25).description)
      #expect(try summary("liver_transplant_on") == e.adding(days: 20).description)
      #expect(try f.count("registry.patient_summary_pending") == 0)
      #expect(try f.count("registry.patient_summary_touched") == 0)
      try c.query("BEGIN")
      try ae(c, "rash", grade: 4, day: 30)
      try c.query("ROLLBACK")
      #expect(try summary("ae_worst") == "2" && summary("ae_unrelated") == "2")
      #expect(try Self.drift(db) == [])
      // Neither table of the commit step is open to a login.
      #expect(throws: PostgresError.self) {
        try c.query("INSERT INTO registry.patient_summary_pending VALUES (1)")
      }
      #expect(throws: PostgresError.self) {
        try c.query("SELECT * FROM registry.patient_summary_touched")
      }
    }
  }

  @Test func theReportIsTheOneComputedFromTheRecords() throws {
    try TestDatabase.with { db in
      let hand = try HandCohort(db)
      let asOf = CalendarDate(iso: "2026-10-01")!
      for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
        _ = try SeedService(hand.f.registry).seed(
          protocolCode: code, patients: 120, seed: 11, asOf: asOf, force: true)
      }
      #expect(try Self.drift(db) == [])
      let service = ReportService(hand.f.investigator)
      func reports() throws -> [String] {
        var out: [String] = []
        for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
          for day in [asOf, asOf.adding(days: -200), asOf.adding(days: 30)] {
            for by in [CohortGrouping.arm, .site, .source, .dose] {
              var q = ReportService.CohortQuery(protocolCode: code)
              q.asOf = day
              q.groupBy = by
              out.append(try CohortReportJSON.render(try service.cohort(q)))
            }
          }
        }
        return out
      }
      let withSummary = try reports()
      // Every patient's summary out of date: the report groups every record itself.
      try db.connect().query("UPDATE registry.patient_summary SET latest_on = 'infinity'")
      let fromRecords = try reports()
      #expect(withSummary.count == fromRecords.count)
      for (a, b) in zip(withSummary, fromRecords) { #expect(a == b) }
    }
  }
}
