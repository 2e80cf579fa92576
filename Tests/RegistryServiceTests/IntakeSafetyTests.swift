import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// Issue 12, item 7 (intake part): an adverse event related to MSC in any degree needs an MSC
/// infusion on or before its onset (service and database), and voiding an infusion undoes the
/// "treated" status and first-infusion date it gave. Adverse events and infusions are recorded
/// as a site coordinator (`OutcomeFixture.infuse` records through the service as the
/// coordinator of the patient's site).
@Suite(.blocking) struct IntakeSafetyTests {
  /// A coordinator of every fixture site.
  static func coordinator(_ f: OutcomeFixture) throws -> RegistryDatabase {
    let name = f.db.userName("coord")
    _ = try UserService(f.registry).add(name: name, role: .coordinator, sites: ["PAN", "GZU"])
    return RegistryDatabase(conninfo: try f.db.conninfo(asUser: name))
  }

  @Test func relatednessOtherThanUnrelatedNeedsAnInfusionOnOrBeforeTheOnset() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let aes = AdverseEventService(try Self.coordinator(f))
      let never = try f.enrollSLE(daysAgo: 60)
      let e = try f.enrolledOn(never)
      let before = try f.count("registry.adverse_event")
      for relatedness in [Relatedness.unlikely, .possible, .probable, .definite] {
        let error = try #require(throws: RegistryError.self) {
          try aes.add(
            studyID: never,
            .init(term: "fever", grade: .mild, relatedness: relatedness, onset: e.adding(days: 5)),
            today: f.today)
        }
        #expect(error.field == "relatedness")
        #expect(error.exitStatus == 65)
        #expect(error.message.contains("has no MSC infusion"), "\(error.message)")
      }
      #expect(try f.count("registry.adverse_event") == before)
      let unrelated = try aes.add(
        studyID: never,
        .init(term: "fever", grade: .mild, relatedness: .unrelated, onset: e.adding(days: 5)),
        today: f.today)

      // ae update: the same rule when relatedness changes.
      let update = try #require(throws: RegistryError.self) {
        try aes.update(
          studyID: never, eventID: unrelated.event.id, .init(relatedness: .probable),
          reason: "re-assessed", today: f.today)
      }
      #expect(update.field == "relatedness" && update.exitStatus == 65)
      _ = try aes.update(
        studyID: never, eventID: unrelated.event.id, .init(grade: .moderate), reason: "worse",
        today: f.today)

      // Both sides of the infusion day.
      let treated = try f.enrollSLEInMSCArm(daysAgo: 60)
      let t = try f.enrolledOn(treated)
      _ = try f.infuse(treated, on: t.adding(days: 10))
      let early = try #require(throws: RegistryError.self) {
        try aes.add(
          studyID: treated,
          .init(term: "rash", grade: .mild, relatedness: .possible, onset: t.adding(days: 9)),
          today: f.today)
      }
      #expect(early.field == "relatedness")
      #expect(early.message.contains("after the onset"), "\(early.message)")
      for day in [10, 11] {
        let ok = try aes.add(
          studyID: treated,
          .init(term: "rash", grade: .mild, relatedness: .possible, onset: t.adding(days: day)),
          today: f.today)
        #expect(ok.event.relatedness == .possible)
      }
      let later = try aes.add(
        studyID: treated,
        .init(term: "nausea", grade: .mild, relatedness: .unrelated, onset: t.adding(days: 9)),
        today: f.today)
      #expect(throws: RegistryError.self) {
        try aes.update(
          studyID: treated, eventID: later.event.id, .init(relatedness: .unlikely),
          reason: "re-assessed", today: f.today)
      }
    }
  }

  @Test func theDatabaseHoldsTheRelatednessRuleToo() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      _ = try Self.coordinator(f)
      let never = try f.enrollSLE(daysAgo: 30)
      let e = try f.enrolledOn(never)
      let insert = """
        INSERT INTO registry.adverse_event (study_id, term, grade, relatedness, onset_on)
        VALUES ($1, 'fever', 1, $2, $3)
        """
      for conninfo in [db.conninfo, try db.conninfo(asUser: db.userName("coord"))] {
        let c = try Connection(conninfo: conninfo)
        let error = #expect(throws: PostgresError.self) {
          try c.query(insert, [never, "unlikely", e.adding(days: 2)])
        }
        #expect(error?.sqlState == .relatednessNeedsInfusion, "\(String(describing: error))")
        #expect(error?.column == "relatedness")
        try c.query(insert, [never, "unrelated", e.adding(days: 2)])
      }
      // An existing unrelated event cannot become related behind the service's back.
      let c = try db.connect()
      #expect(throws: PostgresError.self) {
        try c.query(
          "UPDATE registry.adverse_event SET relatedness = 'possible' WHERE study_id = $1",
          [never])
      }
    }
  }

  @Test func voidingTheOnlyInfusionUndoesTreated() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLEInMSCArm(daysAgo: 60)
      let e = try f.enrolledOn(id)
      try db.insertReleasedLot(
        "UC-V1", source: "umbilical_cord", manufactured: e.adding(days: -30),
        expires: e.adding(days: 300))
      let infusions = InfusionService(f.registry)
      let first = try infusions.record(
        InfusionEntry(
          studyID: id, lotNumber: "UC-V1", date: e.adding(days: 3), weightKg: 60, cells: 6e7),
        today: f.today)
      let second = try infusions.record(
        InfusionEntry(
          studyID: id, lotNumber: "UC-V1", date: e.adding(days: 20), weightKg: 60, cells: 6e7),
        today: f.today)
      let patients = PatientService(f.registry)
      var shown = try patients.show(studyID: id).patient
      #expect(shown.status == .treated && shown.statusOn == e.adding(days: 3))
      var query = ReportService.CohortQuery(protocolCode: "SLE-UCMSC")
      query.asOf = f.today
      #expect(try ReportService(f.registry).cohort(query).flow.treated == 1)

      // Voiding the first: still treated, since the remaining one.
      _ = try infusions.void(studyID: id, infusionID: first.id, reason: "wrong patient")
      shown = try patients.show(studyID: id).patient
      #expect(shown.status == .treated && shown.statusOn == e.adding(days: 20))
      func exportedInfusionDays() throws -> [String] {
        let table = try #require(
          try ExportService(f.registry).deidentified(protocolCode: "SLE-UCMSC")
            .first { $0.name == "infusions" })
        let column = try #require(table.header.firstIndex(of: "infused_day"))
        return table.rows.map { $0[column] }
      }
      #expect(try exportedInfusionDays() == ["20"])

      // Voiding the only one left: back to enrolled, no longer treated anywhere.
      _ = try infusions.void(studyID: id, infusionID: second.id, reason: "wrong patient")
      shown = try patients.show(studyID: id).patient
      #expect(shown.status == .enrolled)
      #expect(shown.statusOn == nil)
      #expect(try ReportService(f.registry).cohort(query).flow.treated == 0)
      #expect(try exportedInfusionDays().isEmpty)
      let status: String? = try f.scalar(
        "SELECT status FROM registry.patient WHERE study_id = $1", [id])
      #expect(status == "enrolled")
      // A patient without live infusions is refused a related event afterwards.
      #expect(throws: RegistryError.self) {
        try AdverseEventService(f.registry).add(
          studyID: id,
          .init(term: "fever", grade: .mild, relatedness: .possible, onset: e.adding(days: 25)),
          today: f.today)
      }
    }
  }

  @Test func theDatabaseAllowsTreatedToEnrolledOnlyWithoutALiveInfusion() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLEInMSCArm(daysAgo: 40)
      let e = try f.enrolledOn(id)
      _ = try f.infuse(id, on: e.adding(days: 2))
      let c = try db.connect()
      try c.query("SELECT set_config('mscreg.reason', 'test', false)")
      try c.query(
        "UPDATE registry.patient SET status = 'treated', status_on = $2 WHERE study_id = $1",
        [id, e.adding(days: 2)])
      let error = #expect(throws: PostgresError.self) {
        try c.query("UPDATE registry.patient SET status = 'enrolled' WHERE study_id = $1", [id])
      }
      #expect(error?.sqlState == .patientStatusTransition)
    }
  }
}
