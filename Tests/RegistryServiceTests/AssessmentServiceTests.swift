import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite(.blocking) struct AssessmentServiceTests {
  let sle = RawMeasures(sledaiDescriptors: "arthritis,low_complement", pga: "1.0", upcr: "0.8")

  @Test func windowEdgesFirstAndLastDayInsideOneDayOutsideRefused() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let m = try MeasureSet(parsing: sle)
      // week4: day 28, window [-7, 7] → days 21…35.
      for day in [20, 36] {
        let error = try #require(throws: RegistryError.self) {
          try f.assessments.record(
            studyID: id, visit: "week4", on: e.adding(days: day), measures: m, today: f.today)
        }
        #expect(error.field == "date" && error.exitStatus == 65, "day \(day)")
        #expect(error.message.contains("outside the window of week4"))
      }
      #expect(try f.count("registry.assessment") == 1)  // the baseline only
      let first = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 21), measures: m, today: f.today)
      #expect(first.assessedOn == e.adding(days: 21) && !first.outOfWindow)
      // week12: day 84 → days 77…91; the last day is inside, one later is not.
      #expect(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week12", on: e.adding(days: 92), measures: m, today: f.today)
      }
      let last = try f.assessments.record(
        studyID: id, visit: "week12", on: e.adding(days: 91), measures: m, today: f.today)
      #expect(last.assessedOn == e.adding(days: 91))
      #expect(try f.count("registry.assessment") == 3)
    }
  }

  @Test func outOfWindowWithReasonIsRecordedAsDeviation() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let m = try MeasureSet(parsing: sle)
      let noReason = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week4", on: e.adding(days: 40), measures: m, outOfWindow: true,
          today: f.today)
      }
      #expect(noReason.field == "reason")
      let a = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 40), measures: m, outOfWindow: true,
        reason: "patient travelling", today: f.today)
      #expect(a.outOfWindow && a.deviationReason == "patient travelling")
      #expect(
        try f.scalar(
          "SELECT out_of_window::text || '|' || deviation_reason FROM registry.assessment WHERE id = $1",
          [a.id]) == "true|patient travelling")
      // The flag is not for dates inside the window; before enrollment is never a deviation.
      let inside = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week12", on: e.adding(days: 84), measures: m, outOfWindow: true,
          reason: "x", today: f.today)
      }
      #expect(inside.field == "out_of_window")
      let before = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week12", on: e.adding(days: -1), measures: m, outOfWindow: true,
          reason: "x", today: f.today)
      }
      #expect(before.field == "date" && before.message.contains("before the enrollment date"))
      let future = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week52", on: f.today.adding(days: 1), measures: m,
          outOfWindow: true, reason: "x", today: f.today)
      }
      #expect(future.field == "date" && future.message.contains("future"))
    }
  }

  @Test func baselineWindowBeforeEnrollmentIsAccepted() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      _ = try f.assessments.void(studyID: id, visit: "baseline", reason: "screening labs redone")
      // Baseline window [-14, 0]: screening values up to 14 days before enrollment.
      let m = try MeasureSet(parsing: sle)
      #expect(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "baseline", on: e.adding(days: -15), measures: m, today: f.today)
      }
      let a = try f.assessments.record(
        studyID: id, visit: "baseline", on: e.adding(days: -14), measures: m, today: f.today)
      #expect(a.assessedOn == e.adding(days: -14) && !a.outOfWindow)
    }
  }

  @Test func unitConversionStoredOnceAndScoresEqualTheEngines() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let raw = RawMeasures(
        creatinine: "1.2", bilirubin: "85umol/L", inr: "1.6", sodium: "133", albumin: "30g/L",
        ascites: "mild", encephalopathy: "none")
      let m = try MeasureSet(parsing: raw)
      let a = try f.assessments.record(
        studyID: id, visit: "week1", on: e.adding(days: 7), measures: m, today: f.today)
      let bilirubin = Double(
        try f.scalar("SELECT bilirubin FROM registry.assessment WHERE id = $1", [a.id])!)!
      #expect(bilirubin == m.bilirubin?.canonical)  // the domain's one conversion, as is
      #expect(abs(bilirubin - 85 / 17.1) < 1e-9)
      #expect(String(format: "%.2f", bilirubin) == "4.97")
      #expect(
        try f.scalar(
          "SELECT (entered->'bilirubin'->>'value') || ' ' || (entered->'bilirubin'->>'unit') FROM registry.assessment WHERE id = $1",
          [a.id]) == "85 µmol/L")
      #expect(
        try f.scalar("SELECT albumin FROM registry.assessment WHERE id = $1", [a.id]) == "3")
      // Scores equal the engine's for the patient's sex and age.
      let patient = try f.investigator.patients.show(studyID: id).patient
      let engine = m.derivedScores(sex: .male, age: patient.ageAtEnrollment)
      let stored = try f.scalar(
        """
        SELECT concat_ws('|', meld, meld_na, meld_3, child_pugh, child_pugh_class, engine_version)
        FROM registry.assessment WHERE id = $1
        """, [a.id])
      let expected = [
        engine.meld.map(String.init), engine.meldNa.map(String.init),
        engine.meld3.map(String.init), engine.childPugh.map(String.init),
        engine.childPughClass?.rawValue, ScoreEngine.version,
      ].compactMap { $0 }.joined(separator: "|")
      #expect(engine.meld != nil && engine.meld3 != nil && engine.childPugh != nil)
      #expect(stored == expected)
      #expect(a.scores.meld == engine.meld && a.scores.engineVersion == ScoreEngine.version)
      // An amendment of another value converts nothing again.
      _ = try f.assessments.amend(
        studyID: id, visit: "week1", changes: RawMeasures(inr: "1.5"), reason: "lab re-run",
        today: f.today)
      let after = Double(
        try f.scalar("SELECT bilirubin FROM registry.assessment WHERE id = $1", [a.id])!)!
      #expect(after == bilirubin)
      #expect(
        try f.scalar(
          "SELECT entered->'bilirubin'->>'value' FROM registry.assessment WHERE id = $1", [a.id])
          == "85")
    }
  }

  @Test func amendRecomputesScoresAndKeepsTheOldValueInTheAuditLog() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollACLF(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let m = try MeasureSet(
        parsing: RawMeasures(creatinine: "1.9", bilirubin: "4.2", inr: "1.2", sodium: "125"))
      let a = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 28), measures: m, today: f.today)
      #expect(a.scores.meld == 20 && a.scores.meldNa == 28)
      let noReason = try #require(throws: RegistryError.self) {
        try f.assessments.amend(
          studyID: id, visit: "week4", changes: RawMeasures(sodium: "135"), reason: " ")
      }
      #expect(noReason.field == "reason")
      let implausible = try #require(throws: RegistryError.self) {
        try f.assessments.amend(
          studyID: id, visit: "week4", changes: RawMeasures(sodium: "95"), reason: "typo")
      }
      #expect(implausible.field == "sodium")
      let amended = try f.assessments.amend(
        studyID: id, visit: "week4", changes: RawMeasures(sodium: "135"), reason: "typo: 135",
        today: f.today)
      #expect(amended.before.measures.sodium?.canonical == 125)
      #expect(amended.after.measures.sodium?.canonical == 135)
      #expect(amended.after.measures.bilirubin?.canonical == 4.2)  // unchanged, kept
      let engine = amended.after.measures.derivedScores(sex: .male, age: 51)
      #expect(amended.after.scores.meldNa == engine.meldNa && engine.meldNa != 28)
      let audit = try f.scalar(
        """
        SELECT concat_ws('|', old_row->>'sodium', new_row->>'sodium', old_row->>'meld_na',
          new_row->>'meld_na', reason)
        FROM audit.log WHERE table_name = 'registry.assessment' AND action = 'UPDATE'
          AND row_key = $1
        """, [String(a.id)])
      #expect(audit == "125|135|28|\(engine.meldNa!)|typo: 135")
      let nothing = try #require(throws: RegistryError.self) {
        try f.assessments.amend(
          studyID: id, visit: "week4", changes: RawMeasures(sodium: "135"), reason: "again")
      }
      #expect(nothing.message.contains("changes nothing"))
    }
  }

  @Test func voidHidesTheRecordAndAllowsANewAssessment() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let m = try MeasureSet(parsing: sle)
      _ = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 28), measures: m, today: f.today)
      let again = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week4", on: e.adding(days: 29), measures: m, today: f.today)
      }
      #expect(again.field == "visit" && again.message.contains("assess amend"))
      let voided = try f.assessments.void(studyID: id, visit: "week4", reason: "wrong patient")
      #expect(voided.voided && voided.voidReason == "wrong patient")
      #expect(try f.investigator.assessments.list(studyID: id).map(\.visit) == ["baseline"])
      let missing = try #require(throws: RegistryError.self) {
        try f.assessments.amend(
          studyID: id, visit: "week4", changes: RawMeasures(pga: "1"), reason: "x")
      }
      #expect(missing.exitStatus == 66)
      let redo = try f.assessments.record(
        studyID: id, visit: "week4", on: e.adding(days: 30), measures: m, today: f.today)
      #expect(try f.investigator.assessments.list(studyID: id).map(\.id) == [1, redo.id])
      #expect(try f.investigator.assessments.list(studyID: id, includeVoided: true).count == 3)
    }
  }

  @Test func noAssessmentAfterWithdrawalAndRefusalsNameTheField() throws {
    try TestDatabase.with { db in
      let f = try OutcomeFixture(db)
      let id = try f.enrollSLE(daysAgo: 200)
      let e = try f.enrolledOn(id)
      let m = try MeasureSet(parsing: sle)
      let unknown = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week5", on: e.adding(days: 35), measures: m, today: f.today)
      }
      #expect(unknown.field == "visit" && unknown.message.contains("week4"))
      let nobody = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: "SLE-PAN-0999", visit: "week4", on: e.adding(days: 28), measures: m)
      }
      #expect(nobody.exitStatus == 66)
      _ = try f.coordinator.patients.withdraw(
        studyID: id, reason: "withdrew consent", on: e.adding(days: 10), today: f.today)
      let error = try #require(throws: RegistryError.self) {
        try f.assessments.record(
          studyID: id, visit: "week4", on: e.adding(days: 28), measures: m, today: f.today)
      }
      #expect(error.field == "study_id" && error.exitStatus == 65)
      #expect(error.message.contains("withdrawn"))
      #expect(try f.count("registry.assessment") == 1)
    }
  }
}
