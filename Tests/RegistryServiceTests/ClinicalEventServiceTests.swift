import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite(.blocking) struct ClinicalEventServiceTests {
  @Test func eventsSetTheStatusAndTransplantKeepsIt() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 100)
      let e = try f.enrolledOn(id)
      let transplant = try f.events.add(
        studyID: id, kind: .liverTransplant, on: e.adding(days: 40), today: f.today)
      #expect(transplant.patient.status == .enrolled)
      let twice = try #require(throws: RegistryError.self) {
        try f.events.add(
          studyID: id, kind: .liverTransplant, on: e.adding(days: 41), today: f.today)
      }
      #expect(twice.field == "kind")
      let future = try #require(throws: RegistryError.self) {
        try f.events.add(studyID: id, kind: .death, on: f.today.adding(days: 1), today: f.today)
      }
      #expect(future.field == "date")
      let early = try #require(throws: RegistryError.self) {
        try f.events.add(studyID: id, kind: .death, on: e.adding(days: -1), today: f.today)
      }
      #expect(early.field == "date" && early.message.contains("enrollment"))
      let lost = try f.events.add(
        studyID: id, kind: .lostToFollowUp, on: e.adding(days: 60), today: f.today)
      #expect(lost.patient.status == .lostToFollowUp)
      // A lost patient may still be reported dead (a survival event).
      let death = try f.events.add(
        studyID: id, kind: .death, on: e.adding(days: 80), today: f.today)
      #expect(death.patient.status == .died)
      // Voiding the death gives back the status before it.
      let undone = try f.events.void(studyID: id, eventID: death.event.id, reason: "wrong patient")
      #expect(undone.patient.status == .lostToFollowUp)
      #expect(
        try f.investigator.events.list(studyID: id).map(\.kind) == [
          .liverTransplant, .lostToFollowUp,
        ])
    }
  }

  @Test func survivalEventsAfterWithdrawalButNoLossToFollowUp() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 100)
      let e = try f.enrolledOn(id)
      _ = try f.coordinator.patients.withdraw(
        studyID: id, reason: "moved abroad", on: e.adding(days: 30), today: f.today)
      let lost = try #require(throws: RegistryError.self) {
        try f.events.add(studyID: id, kind: .lostToFollowUp, on: e.adding(days: 40), today: f.today)
      }
      #expect(lost.field == "kind")
      let death = try f.events.add(
        studyID: id, kind: .death, on: e.adding(days: 70), today: f.today)
      #expect(death.patient.status == .died)
      let undone = try f.events.void(studyID: id, eventID: death.event.id, reason: "error")
      #expect(undone.patient.status == .withdrawn)
      #expect(undone.patient.statusOn == e.adding(days: 30))
    }
  }

  @Test func deathBeforeTheLastAssessmentIsRefused() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 100)
      let e = try f.enrolledOn(id)
      _ = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 28),
        measures: try MeasureSet(parsing: RawMeasures(inr: "1.3")), today: f.today)
      let error = try #require(throws: RegistryError.self) {
        try f.events.add(studyID: id, kind: .death, on: e.adding(days: 27), today: f.today)
      }
      #expect(error.field == "date" && error.message.contains("last assessment"))
      #expect(try f.count("registry.clinical_event") == 0)
    }
  }
}
