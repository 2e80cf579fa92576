import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// Every infusion rule of SPEC §4 on both sides of its limit, against a real database.
@Suite(.blocking) struct InfusionServiceTests {
  @Test func doseAtExactlyMinAndMaxIsAcceptedAndJustOutsideIsRefused() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")
      try t.lot(LotInfusionTrial.entry("UC-1"))
      let id = msc[0]
      // SLE-UCMSC: 0.8e6–1.2e6 cells/kg; 70 kg → 5.6e7–8.4e7 cells.
      try t.expectRefused("cells", ["below", "minimum 8e5", "5.5999999e7", "70 kg"]) {
        try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 5.6e7 - 1)
      }
      try t.expectRefused("cells", ["above", "maximum 1.2e6"]) {
        try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 8.4e7 + 1)
      }
      let atMin = try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 5.6e7)
      #expect(atMin.dosePerKg == 0.8e6)
      let atMax = try t.infuse(id, lot: "UC-1", on: "2026-01-17", cells: 8.4e7)
      #expect(atMax.dosePerKg == 1.2e6)
      // A dose equal to the bound on paper but not in binary (63.3 kg × 0.8e6) is accepted.
      let other = try t.infuse(
        msc[1], lot: "UC-1", on: "2026-01-10", weightKg: 63.3, cells: 5.064e7)
      #expect(abs(other.dosePerKg - 0.8e6) < 1e-3)
      // ACLF-BMMSC: 0.5e6–1.0e6 cells/kg.
      let aclf = LotInfusionTrial.ids(try t.enrollACLF(4), arm: "msc")
      try t.lot(
        LotInfusionTrial.entry("BM-1", source: "bone_marrow", passage: "4", viability: "85"))
      try t.expectRefused("cells", ["above", "maximum 1e6"]) {
        try t.infuse(aclf[0], lot: "BM-1", on: "2026-01-10", weightKg: 80, cells: 8e7 + 1)
      }
      try t.infuse(aclf[0], lot: "BM-1", on: "2026-01-10", weightKg: 80, cells: 8e7)
      try t.infuse(aclf[0], lot: "BM-1", on: "2026-01-17", weightKg: 80, cells: 4e7)
    }
  }

  @Test func lotIsUsableOnItsExpiryDateButNotTheDayAfter() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")
      try t.lot(LotInfusionTrial.entry("UC-EXP", expires: "2026-02-10"))
      try t.expectRefused("lot", ["expired on 2026-02-10", "infusion on 2026-02-11"]) {
        try t.infuse(msc[0], lot: "UC-EXP", on: "2026-02-11", cells: 7e7)
      }
      let onExpiry = try t.infuse(msc[0], lot: "UC-EXP", on: "2026-02-10", cells: 7e7)
      #expect(onExpiry.infusedOn == CalendarDate(iso: "2026-02-10"))
      // A lot cannot be infused before it was made.
      try t.lot(LotInfusionTrial.entry("UC-NEW", manufactured: "2026-03-01"))
      try t.expectRefused("date", ["before lot UC-NEW was manufactured"]) {
        try t.infuse(msc[1], lot: "UC-NEW", on: "2026-02-20", cells: 7e7)
      }
    }
  }

  @Test func spacingAtTheBoundaryIsAcceptedAndOneDayLessIsRefused() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let aclf = LotInfusionTrial.ids(try t.enrollACLF(4), arm: "msc")
      try t.lot(
        LotInfusionTrial.entry("BM-1", source: "bone_marrow", passage: "2", viability: "90"))
      let id = aclf[0]
      try t.infuse(id, lot: "BM-1", on: "2026-01-20", cells: 5e7)
      try t.expectRefused("date", ["6 days from the infusion on 2026-01-20", "at least 7 days"]) {
        try t.infuse(id, lot: "BM-1", on: "2026-01-26", cells: 5e7)
      }
      // Before an existing infusion counts as well.
      try t.expectRefused("date", ["6 days from the infusion on 2026-01-20"]) {
        try t.infuse(id, lot: "BM-1", on: "2026-01-14", cells: 5e7)
      }
      try t.infuse(id, lot: "BM-1", on: "2026-01-27", cells: 5e7)
      try t.infuse(id, lot: "BM-1", on: "2026-01-13", cells: 5e7)
    }
  }

  @Test func maxInfusionsCountsOnlyLiveInfusionsAndVoidingNeverDeletes() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let id = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      let first = try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 7e7)
      try t.infuse(id, lot: "UC-1", on: "2026-01-17", cells: 7e7)
      try t.expectRefused("study_id", ["has had 2 infusions", "allows at most 2"]) {
        try t.infuse(id, lot: "UC-1", on: "2026-02-01", cells: 7e7)
      }
      let service = InfusionService(t.coordinator(of: id))
      try t.expectRefused("reason", ["must not be empty"]) {
        _ = try service.void(studyID: id, infusionID: first.id, reason: "  ")
      }
      try t.expectRefused("infusion", [], kind: .notFound) {
        _ = try service.void(studyID: id, infusionID: 9999, reason: "typo")
      }
      let voided = try service.void(studyID: id, infusionID: first.id, reason: "wrong patient")
      #expect(!voided.isLive && voided.voidReason == "wrong patient")
      try t.expectRefused("infusion", ["already voided"], kind: .conflict) {
        _ = try service.void(studyID: id, infusionID: first.id, reason: "again")
      }
      try t.infuse(id, lot: "UC-1", on: "2026-02-01", cells: 7e7)
      let course = try #require(try PatientService(t.investigator).show(studyID: id).treatment)
      #expect(course.infusions.count == 3)
      #expect(course.live.count == 2)
      #expect(course.cumulativeDosePerKg == 2e6)
      #expect(course.lots == ["UC-1"])
      // Void wrote an UPDATE with its reason; the row is still there.
      let updates = try t.audit(table: "registry.infusion").filter { $0.action == "UPDATE" }
      #expect(updates.count == 1 && updates[0].reason == "wrong patient")
      #expect(updates[0].rowKey == String(first.id))
    }
  }

  @Test func controlArmWithdrawnAndDeadPatientsAreRefused() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let results = try t.enrollSLE(4)
      let control = LotInfusionTrial.ids(results, arm: "control")
      let msc = LotInfusionTrial.ids(results, arm: "msc")
      try #require(control.count == 2 && msc.count == 2)
      try t.lot(LotInfusionTrial.entry("UC-1"))
      try t.expectRefused("study_id", ["arm control", "does not receive MSC"]) {
        try t.infuse(control[0], lot: "UC-1", on: "2026-01-10", cells: 7e7)
      }
      _ = try PatientService(t.coordinator(of: msc[0])).withdraw(
        studyID: msc[0], reason: "withdrew consent", on: CalendarDate(iso: "2026-01-08")!,
        today: LotInfusionTrial.today)
      try t.expectRefused("study_id", ["has status withdrawn since 2026-01-08"]) {
        try t.infuse(msc[0], lot: "UC-1", on: "2026-01-10", cells: 7e7)
      }
      try t.sql(
        "UPDATE registry.patient SET status = 'died', status_on = '2026-01-09' WHERE study_id = '\(msc[1])'",
        reason: "death recorded")
      try t.expectRefused("study_id", ["has status died since 2026-01-09"]) {
        try t.infuse(msc[1], lot: "UC-1", on: "2026-01-10", cells: 7e7)
      }
      try t.expectRefused("study_id", ["no patient SLE-PAN-0999"], kind: .notFound) {
        try t.infuse("SLE-PAN-0999", lot: "UC-1", on: "2026-01-10", cells: 7e7)
      }
    }
  }

  @Test func quarantinedRejectedAndUnknownLotsAreRefused() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let id = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-Q"), release: false)
      try t.expectRefused("lot", ["lot UC-Q is quarantine, not released"]) {
        try t.infuse(id, lot: "UC-Q", on: "2026-01-10", cells: 7e7)
      }
      try t.lot(LotInfusionTrial.entry("UC-R"), release: false)
      _ = try LotService(t.admin).reject(lotNumber: "UC-R", reason: "bag damaged")
      try t.expectRefused("lot", ["lot UC-R is rejected, not released"]) {
        try t.infuse(id, lot: "UC-R", on: "2026-01-10", cells: 7e7)
      }
      // A recalled (released, then rejected) lot is refused too.
      try t.lot(LotInfusionTrial.entry("UC-RC"))
      _ = try LotService(t.admin).reject(lotNumber: "UC-RC", reason: "recall: sterility")
      try t.expectRefused("lot", ["lot UC-RC is rejected"]) {
        try t.infuse(id, lot: "UC-RC", on: "2026-01-10", cells: 7e7)
      }
      // The domain's word for the field; the command line spells it `--lot`.
      try t.expectRefused("lot", ["no lot NOPE-1"], kind: .notFound) {
        try t.infuse(id, lot: "NOPE-1", on: "2026-01-10", cells: 7e7)
      }
    }
  }

  @Test func sourceProductAndProtocolReleaseCriteriaAreChecked() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let sle = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      let aclf = LotInfusionTrial.ids(try t.enrollACLF(4), arm: "msc")[0]
      try t.lot(
        LotInfusionTrial.entry("BM-1", source: "bone_marrow", passage: "4", viability: "85"))
      try t.expectRefused("lot", ["lot BM-1 is from bone_marrow", "allows umbilical_cord"]) {
        try t.infuse(sle, lot: "BM-1", on: "2026-01-10", cells: 7e7)
      }
      try t.lot(LotInfusionTrial.entry("UC-EV", product: "extracellular_vesicles"))
      try t.expectRefused("lot", ["lot UC-EV is extracellular_vesicles", "infuses cells"]) {
        try t.infuse(sle, lot: "UC-EV", on: "2026-01-10", cells: 7e7)
      }
      // ACLF-BMMSC: viability ≥ 85, passage ≤ 4 (released lots meet the generic ≥ 70%).
      try t.lot(
        LotInfusionTrial.entry("BM-V", source: "bone_marrow", passage: "2", viability: "84.9"))
      try t.expectRefused("lot", ["viability 84.9% is below the protocol's minimum 85%"]) {
        try t.infuse(aclf, lot: "BM-V", on: "2026-01-10", cells: 5e7)
      }
      try t.lot(
        LotInfusionTrial.entry("BM-P", source: "bone_marrow", passage: "5", viability: "95"))
      try t.expectRefused("lot", ["passage 5 is above the protocol's maximum 4"]) {
        try t.infuse(aclf, lot: "BM-P", on: "2026-01-10", cells: 5e7)
      }
      try t.infuse(aclf, lot: "BM-1", on: "2026-01-10", cells: 5e7)
    }
  }

  @Test func dateBeforeEnrollmentOrInTheFutureIsRefused() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let id = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      try t.expectRefused("date", ["2026-01-04 is before", "enrollment date 2026-01-05"]) {
        try t.infuse(id, lot: "UC-1", on: "2026-01-04", cells: 7e7)
      }
      try t.expectRefused("date", ["2026-06-02 is in the future (today is 2026-06-01)"]) {
        try t.infuse(id, lot: "UC-1", on: "2026-06-02", cells: 7e7)
      }
      try t.infuse(id, lot: "UC-1", on: "2026-01-05", cells: 7e7)
    }
  }

  @Test func firstInfusionSetsTreatedAndEveryWriteIsAudited() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let id = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      let auditBefore = try AuditService(t.monitor).entries().count
      let infusion = try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 7e7, route: .iv)
      #expect(infusion.dosePerKg == 1e6)
      var patient = try PatientService(t.investigator).show(studyID: id).patient
      #expect(patient.status == .treated)
      #expect(patient.statusOn == CalendarDate(iso: "2026-01-10"))
      let written = Array(try AuditService(t.monitor).entries().dropFirst(auditBefore))
      #expect(written.map(\.table) == ["registry.infusion", "registry.patient"])
      #expect(written[0].action == "INSERT" && written[0].rowKey == String(infusion.id))
      #expect(written[1].action == "UPDATE" && written[1].reason == "infusion of lot UC-1")
      // The second infusion leaves the status and writes one audit row.
      try t.infuse(id, lot: "UC-1", on: "2026-01-17", cells: 7e7)
      patient = try PatientService(t.investigator).show(studyID: id).patient
      #expect(patient.statusOn == CalendarDate(iso: "2026-01-10"))
      #expect(try AuditService(t.monitor).entries().count == auditBefore + 3)
    }
  }

  @Test func twoConcurrentInfusionsOverMaxInfusionsAdmitExactlyOne() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(8), arm: "msc")
      try #require(msc.count == 4)
      try t.lot(LotInfusionTrial.entry("UC-1"))
      for id in msc { try t.infuse(id, lot: "UC-1", on: "2026-01-10", cells: 7e7) }
      // Each patient has one of two infusions left; two coordinators record one each at once.
      let attempts = msc.flatMap { [($0, "2026-01-20"), ($0, "2026-01-30")] }
      let outcomes = Outcomes()
      // All of them are SLE patients of PAN: its coordinator, in concurrent sessions.
      let registry = t.coordinator("PAN")
      DispatchQueue.concurrentPerform(iterations: attempts.count) { i in
        let (id, date) = attempts[i]
        do {
          _ = try InfusionService(registry).record(
            InfusionEntry(
              studyID: id, lotNumber: "UC-1", date: CalendarDate(iso: date)!, weightKg: 70,
              cells: 7e7), today: LotInfusionTrial.today)
          outcomes.add(id, "ok")
        } catch let error as RegistryError {
          outcomes.add(id, error.field + ": " + error.message)
        } catch {
          outcomes.add(id, "unexpected: \(error)")
        }
      }
      for id in msc {
        let results = outcomes.results(id)
        #expect(results.filter { $0 == "ok" }.count == 1, "\(id): \(results)")
        #expect(
          results.filter { $0.hasPrefix("study_id: \(id) has had 2 infusions") }.count == 1,
          "\(id): \(results)")
        let course = try #require(
          try PatientService(t.investigator).show(studyID: id).treatment)
        #expect(course.live.count == 2)
      }
    }
  }

  @Test func theDatabaseGateRefusesWhatTheServiceWould() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let results = try t.enrollSLE(4)
      let control = LotInfusionTrial.ids(results, arm: "control")[0]
      let msc = LotInfusionTrial.ids(results, arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      try t.lot(LotInfusionTrial.entry("UC-Q"), release: false)
      try t.lot(LotInfusionTrial.entry("BM-1", source: "bone_marrow"))
      // As the owner, behind the service: the gate holds even for a session that bypasses
      // every privilege and rule of the service layer.
      func insert(_ id: String, _ lot: String, _ date: String, _ cells: Double) throws {
        try t.sql(
          """
          INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg, total_cells,
            dose_per_kg, route)
          VALUES ('\(id)', '\(lot)', '\(date)', 70, \(cells), \(cells) / 70.0, 'iv')
          """)
      }
      let refusals: [(String, String, String, Double, String)] = [
        (control, "UC-1", "2026-01-10", 7e7, "does not receive MSC"),
        (msc, "UC-Q", "2026-01-10", 7e7, "not released"),
        (msc, "BM-1", "2026-01-10", 7e7, "source and product"),
        (msc, "UC-1", "2026-01-04", 7e7, "before enrollment"),
        (msc, "UC-1", "2026-01-10", 9e7, "outside the protocol's range"),
      ]
      for (id, lot, date, cells, fragment) in refusals {
        do {
          try insert(id, lot, date, cells)
          Issue.record("the database accepted \(id) \(lot) \(date) \(cells)")
        } catch let error as PostgresError {
          #expect(error.sqlState == .infusionRefused, "\(error)")
          #expect(error.message.contains(fragment), "\(error.message)")
        }
      }
      try insert(msc, "UC-1", "2026-01-10", 7e7)
      do {
        try insert(msc, "UC-1", "2026-01-16", 7e7)
        Issue.record("spacing not enforced by the database")
      } catch let error as PostgresError { #expect(error.message.contains("6 days")) }
      try insert(msc, "UC-1", "2026-01-17", 7e7)
      do {
        try insert(msc, "UC-1", "2026-02-17", 7e7)
        Issue.record("max_infusions not enforced by the database")
      } catch let error as PostgresError { #expect(error.message.contains("at most 2")) }
      // Infusions are never deleted nor edited; only voided, once.
      for statement in [
        "DELETE FROM registry.infusion", "UPDATE registry.infusion SET weight_kg = 71",
      ] {
        do {
          try t.sql(statement)
          Issue.record("accepted: \(statement)")
        } catch let error as PostgresError { #expect(error.sqlState == .infusionImmutable) }
      }
    }
  }
}

/// Results of concurrent attempts, by study ID.
final class Outcomes: @unchecked Sendable {
  private let lock = NSLock()
  private var byID: [String: [String]] = [:]

  func add(_ id: String, _ result: String) {
    lock.lock()
    byID[id, default: []].append(result)
    lock.unlock()
  }

  func results(_ id: String) -> [String] {
    lock.lock()
    defer { lock.unlock() }
    return byID[id] ?? []
  }
}
