import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite(.blocking) struct AdverseEventServiceTests {
  @Test func grade5WithoutDeathIsRefusedAndWritesNothing() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 100)
      let e = try f.enrolledOn(id)
      let error = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: id,
          .init(
            term: "hepatic failure", grade: .death, relatedness: .unrelated,
            onset: e.adding(days: 20)), today: f.today)
      }
      #expect(error.field == "grade" && error.exitStatus == 65)
      #expect(error.message.contains("--death-date"))
      #expect(try f.count("registry.adverse_event") == 0)
      #expect(try f.count("registry.clinical_event") == 0)
      #expect(try f.investigator.patients.show(studyID: id).patient.status == .enrolled)
      // The database holds the rule too: a grade 5 row without a death fails at commit.
      let connection = try db.connect()
      #expect(throws: (any Error).self) {
        try connection.execute(
          """
          INSERT INTO registry.adverse_event (study_id, term, grade, serious, relatedness, onset_on)
          VALUES ('\(id)', 'x', 5, 'death', 'unrelated', '\(e.adding(days: 20))')
          """)
      }
      #expect(try f.count("registry.adverse_event") == 0)
    }
  }

  @Test func grade5WithDeathDateRecordsTheDeathAndOnlyAEFollowUpRemains() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 100)
      let e = try f.enrolledOn(id)
      let recorded = try f.adverseEvents.add(
        studyID: id,
        .init(
          term: "hepatic failure", grade: .death, relatedness: .unrelated,
          onset: e.adding(days: 20), deathDate: e.adding(days: 24)), today: f.today)
      #expect(recorded.event.serious == .death)
      #expect(recorded.patient.status == .died && recorded.patient.statusOn == e.adding(days: 24))
      let events = try f.investigator.events.list(studyID: id)
      #expect(events.map(\.kind) == [.death] && events[0].occurredOn == e.adding(days: 24))
      // After death: no assessment, no other event; AE follow-up is still accepted.
      let assess = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week4", on: e.adding(days: 22),
          measures: try MeasureSet(parsing: RawMeasures(inr: "1.4")), today: f.today)
      }
      #expect(assess.field == "study_id" && assess.message.contains("died"))
      let event = try #require(throws: RegistryError.self) {
        try f.events.add(
          studyID: id, kind: .liverTransplant, on: e.adding(days: 23), today: f.today)
      }
      #expect(event.field == "study_id")
      let followUp = try f.adverseEvents.add(
        studyID: id,
        .init(
          term: "hyponatraemia", grade: .moderate, relatedness: .unrelated,
          onset: e.adding(days: 18)), today: f.today)
      #expect(followUp.event.grade == .moderate)
      let late = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: id,
          .init(term: "x", grade: .mild, relatedness: .unrelated, onset: e.adding(days: 25)),
          today: f.today)
      }
      #expect(late.field == "onset" && late.message.contains("after the death"))
      // The death cannot be voided while the grade 5 event needs it.
      let void = try #require(throws: RegistryError.self) {
        try f.events.void(studyID: id, eventID: events[0].id, reason: "x")
      }
      #expect(void.field == "event")
    }
  }

  @Test func grade5AfterARecordedDeathAndSeriousnessRules() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 100)
      let e = try f.enrolledOn(id)
      let badSerious = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: id,
          .init(
            term: "sepsis", grade: .severe, serious: .death, relatedness: .unrelated,
            onset: e.adding(days: 10)), today: f.today)
      }
      #expect(badSerious.field == "serious")
      let noDeath = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: id,
          .init(
            term: "sepsis", grade: .severe, relatedness: .unrelated, onset: e.adding(days: 10),
            deathDate: e.adding(days: 12)), today: f.today)
      }
      #expect(noDeath.field == "death_date")
      _ = try f.events.add(studyID: id, kind: .death, on: e.adding(days: 30), today: f.today)
      let ae = try f.adverseEvents.add(
        studyID: id,
        .init(term: "sepsis", grade: .death, relatedness: .unrelated, onset: e.adding(days: 27)),
        today: f.today)
      #expect(ae.event.grade == .death && ae.patient.status == .died)
    }
  }

  @Test func infusionLinkMustBeALiveInfusionOfTheSamePatient() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let a = try f.enrollSLEInMSCArm(daysAgo: 100)
      let b = try f.enrollSLEInMSCArm(daysAgo: 100)
      let e = try f.enrolledOn(a)
      let infusionA = try f.infuse(a, on: e.adding(days: 1))
      let infusionB = try f.infuse(b, on: e.adding(days: 1))
      let other = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: a,
          .init(
            term: "fever", grade: .mild, relatedness: .probable, onset: e.adding(days: 1),
            infusionID: infusionB), today: f.today)
      }
      #expect(other.field == "infusion" && other.exitStatus == 65)
      let before = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: a,
          .init(
            term: "fever", grade: .mild, relatedness: .probable, onset: e,
            infusionID: infusionA), today: f.today)
      }
      #expect(before.field == "infusion")
      let unknown = try #require(throws: RegistryError.self) {
        try f.adverseEvents.add(
          studyID: a,
          .init(
            term: "fever", grade: .mild, relatedness: .probable, onset: e.adding(days: 1),
            infusionID: 999), today: f.today)
      }
      #expect(unknown.exitStatus == 66)
      #expect(try f.count("registry.adverse_event") == 0)
      let linked = try f.adverseEvents.add(
        studyID: a,
        .init(
          term: "infusion-related fever", grade: .mild, relatedness: .probable,
          onset: e.adding(days: 1), resolved: e.adding(days: 2), infusionID: infusionA),
        today: f.today)
      #expect(linked.event.infusionID == infusionA && linked.event.lotNumber == "UC-001")
      #expect(linked.notes.isEmpty)
      let unlinked = try f.adverseEvents.add(
        studyID: a,
        .init(term: "headache", grade: .mild, relatedness: .possible, onset: e.adding(days: 3)),
        today: f.today)
      #expect(unlinked.event.infusionID == nil)
      #expect(unlinked.notes.first?.contains("no infusion linked") == true)
      // The database refuses a link to another patient's infusion as well.
      let connection = try db.connect()
      #expect(throws: (any Error).self) {
        try connection.execute(
          "UPDATE registry.adverse_event SET infusion_id = \(infusionB) WHERE id = \(unlinked.event.id)"
        )
      }
    }
  }

  @Test func updateAndVoidKeepTheAuditTrail() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 100)
      let e = try f.enrolledOn(id)
      let ae = try f.adverseEvents.add(
        studyID: id,
        .init(
          term: "pneumonia", grade: .moderate, relatedness: .unrelated, onset: e.adding(days: 40)),
        today: f.today)
      let updated = try f.adverseEvents.update(
        studyID: id, eventID: ae.event.id,
        .init(grade: .severe, resolved: e.adding(days: 50), serious: .hospitalisation),
        reason: "admitted", today: f.today)
      #expect(updated.event.grade == .severe && updated.event.serious == .hospitalisation)
      #expect(updated.event.resolvedOn == e.adding(days: 50))
      let audit = try f.scalar(
        """
        SELECT concat_ws('|', old_row->>'grade', new_row->>'grade', reason) FROM audit.log
        WHERE table_name = 'registry.adverse_event' AND action = 'UPDATE' AND row_key = $1
        """, [String(ae.event.id)])
      #expect(audit == "2|3|admitted")
      let badResolution = try #require(throws: RegistryError.self) {
        try f.adverseEvents.update(
          studyID: id, eventID: ae.event.id, .init(resolved: e.adding(days: 39)), reason: "x",
          today: f.today)
      }
      #expect(badResolution.field == "resolved")
      let toFive = try #require(throws: RegistryError.self) {
        try f.adverseEvents.update(
          studyID: id, eventID: ae.event.id, .init(grade: .death), reason: "x", today: f.today)
      }
      #expect(toFive.field == "grade")
      _ = try f.adverseEvents.void(studyID: id, eventID: ae.event.id, reason: "duplicate")
      #expect(try f.investigator.adverseEvents.list(studyID: id).isEmpty)
      #expect(try f.investigator.adverseEvents.list(studyID: id, includeVoided: true).count == 1)
      let again = try #require(throws: RegistryError.self) {
        try f.adverseEvents.void(studyID: id, eventID: ae.event.id, reason: "again")
      }
      #expect(again.field == "ae")
    }
  }
}
