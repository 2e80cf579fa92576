import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

@testable import RegistryStore

/// Lot registration, the release gate, rejection and the look-back, against a real database.
@Suite(.blocking) struct LotServiceTests {
  @Test func addPutsALotInQuarantineAndRefusesBadInputWithoutWriting() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let lots = LotService(t.admin)
      let lot = try lots.add(LotInfusionTrial.entry("UC-1"), today: LotInfusionTrial.today)
      #expect(lot.status == .quarantine)
      #expect(lot.markers.hlaDR == 0.6)
      #expect(try lots.list(status: .quarantine).map(\.lotNumber) == ["UC-1"])
      let inserts = try t.audit(table: "registry.msc_lot")
      #expect(inserts.count == 1 && inserts[0].action == "INSERT" && inserts[0].rowKey == "UC-1")
      let today = LotInfusionTrial.today
      let cases: [(LotEntry, String, String)] = [
        (LotInfusionTrial.entry("UC-1"), "lot", "already registered"),
        (LotInfusionTrial.entry("-bad"), "lot", "is not a lot number"),
        (LotInfusionTrial.entry("UC-2", source: "liver"), "source", "unknown tissue source"),
        (LotInfusionTrial.entry("UC-2", passage: "51"), "passage", "0–50"),
        (LotInfusionTrial.entry("UC-2", passage: "2.5"), "passage", "0–50"),
        (LotInfusionTrial.entry("UC-2", viability: "100.1"), "viability", "0 to 100"),
        (LotInfusionTrial.entry("UC-2", markers: ["cd73": "-1"]), "cd73", "0 to 100"),
        (LotInfusionTrial.entry("UC-2", markers: ["hla_dr": "x"]), "hla_dr", "0 to 100"),
        (LotInfusionTrial.entry("UC-2", sterility: "maybe"), "sterility", "negative, positive"),
        (LotInfusionTrial.entry("UC-2", endotoxin: "-0.1"), "endotoxin", "EU/mL"),
        (
          LotInfusionTrial.entry("UC-2", manufactured: "2026-03-02", expires: "2026-03-01"),
          "expires", "before the manufacture date"
        ),
        (LotInfusionTrial.entry("UC-2", manufactured: "2026-06-02"), "manufactured", "future"),
        (LotInfusionTrial.entry("UC-2", expires: "2026-02-30"), "expires", "not a date"),
      ]
      for (entry, field, fragment) in cases {
        // A lot number already registered is a conflict with what is stored (HTTP 409).
        let kind: RegistryError.Kind = fragment == "already registered" ? .conflict : .refused
        try t.expectRefused(field, [fragment], kind: kind) {
          _ = try lots.add(entry, today: today)
        }
      }
      // Expiry on the day of manufacture is allowed.
      _ = try lots.add(
        LotInfusionTrial.entry("UC-3", manufactured: "2026-03-01", expires: "2026-03-01"),
        today: today)
    }
  }

  @Test func releaseRefusesWithEveryFailingItemAndPassesAtTheLimits() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let lots = LotService(t.admin)
      let today = LotInfusionTrial.today
      let failing = LotInfusionTrial.entry(
        "UC-BAD", viability: "69.9",
        markers: [
          "cd73": "94.9", "cd90": "95", "cd105": "99", "cd45": "2", "cd34": "2.1",
          "cd14": "0", "cd19": "1",
        ], sterility: "positive", mycoplasma: nil, endotoxin: "0.51")
      _ = try lots.add(failing, today: today)
      let error = try t.expectRefused(
        "lot",
        [
          "7 items failed", "CD73: 94.9% (must be ≥ 95%)", "CD34: 2.1% (must be ≤ 2%)",
          "HLA-DR: not recorded", "sterility: positive", "mycoplasma: not recorded",
          "endotoxin: 0.51 EU/mL (must be ≤ 0.5 EU/mL)", "viability: 69.9% (must be ≥ 70%)",
          "stays in quarantine",
        ]
      ) { _ = try lots.release(lotNumber: "UC-BAD", today: today) }
      for passing in ["CD90", "CD105", "CD45:", "CD14", "CD19"] {
        #expect(error?.message.contains(passing) == false, "\(passing) passes")
      }
      #expect(try lots.show(lotNumber: "UC-BAD").lot.status == .quarantine)
      // Every item exactly at its limit passes.
      let edge = LotInfusionTrial.entry(
        "UC-EDGE", viability: "70",
        markers: [
          "cd73": "95", "cd90": "95", "cd105": "95", "cd45": "2", "cd34": "2",
          "cd14": "2", "cd19": "2", "hla_dr": "2",
        ], endotoxin: "0.5", expires: "2026-06-01")
      _ = try lots.add(edge, today: today)
      let released = try lots.release(lotNumber: "UC-EDGE", today: today)
      #expect(released.status == .released)
      let updates = try t.audit(table: "registry.msc_lot").filter { $0.action == "UPDATE" }
      #expect(updates.count == 1 && updates[0].reason == "lot release UC-EDGE")
      // Expired on the day of release: refused, naming the expiry.
      _ = try lots.add(LotInfusionTrial.entry("UC-OLD", expires: "2026-05-31"), today: today)
      try t.expectRefused("lot", ["1 item failed", "expired on 2026-05-31"]) {
        _ = try lots.release(lotNumber: "UC-OLD", today: today)
      }
      try t.expectRefused("lot", ["is released; only a lot in quarantine"]) {
        _ = try lots.release(lotNumber: "UC-EDGE", today: today)
      }
      try t.expectRefused("lot", ["no lot UC-NONE"], kind: .notFound) {
        _ = try lots.release(lotNumber: "UC-NONE", today: today)
      }
    }
  }

  @Test func rejectNeedsAReasonRecallsReleasedLotsAndIsFinal() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let lots = LotService(t.admin)
      try t.lot(LotInfusionTrial.entry("UC-Q"), release: false)
      try t.lot(LotInfusionTrial.entry("UC-R"))
      try t.expectRefused("reason", ["must not be empty"]) {
        _ = try lots.reject(lotNumber: "UC-Q", reason: " ")
      }
      let rejected = try lots.reject(lotNumber: "UC-Q", reason: "mycoplasma positive on retest")
      #expect(rejected.status == .rejected)
      #expect(rejected.statusReason == "mycoplasma positive on retest")
      #expect(try lots.reject(lotNumber: "UC-R", reason: "recall").status == .rejected)
      try t.expectRefused("lot", ["already rejected"], kind: .conflict) {
        _ = try lots.reject(lotNumber: "UC-Q", reason: "again")
      }
      try t.expectRefused("lot", ["is rejected"]) {
        _ = try lots.release(lotNumber: "UC-Q", today: LotInfusionTrial.today)
      }
      try t.expectRefused("lot", ["no lot X-1"], kind: .notFound) {
        _ = try lots.reject(lotNumber: "X-1", reason: "r")
      }
      let reasons = try t.audit(table: "registry.msc_lot").filter { $0.action == "UPDATE" }
        .map(\.reason)
      #expect(reasons == ["lot release UC-R", "mycoplasma positive on retest", "recall"])
      #expect(try lots.list(status: .rejected).map(\.lotNumber) == ["UC-Q", "UC-R"])
    }
  }

  @Test func theDatabaseHoldsTheReleaseSpecificationAndFreezesReleasedLots() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      try t.lot(LotInfusionTrial.entry("UC-BAD", endotoxin: nil), release: false)
      try t.lot(LotInfusionTrial.entry("UC-OK"))
      let statements: [(String, SQLState)] = [
        (
          "UPDATE registry.msc_lot SET status = 'released' WHERE lot_number = 'UC-BAD'",
          .checkViolation
        ),
        (
          "UPDATE registry.msc_lot SET viability_pct = 71 WHERE lot_number = 'UC-OK'",
          .lotStatusTransition
        ),
        (
          "UPDATE registry.msc_lot SET status = 'quarantine' WHERE lot_number = 'UC-OK'",
          .lotStatusTransition
        ),
      ]
      // As the owner: the specification holds even for a session with every privilege.
      for (statement, state) in statements {
        do {
          try t.sql(statement)
          Issue.record("accepted: \(statement)")
        } catch let error as PostgresError {
          #expect(error.sqlState == state, "\(error)")
        }
      }
    }
  }

  /// The release thresholds are written once in Swift (`ReleaseCheck`) and once in the
  /// `lot_release_criteria` CHECK; the constraint as PostgreSQL holds it uses the same numbers,
  /// and the refusal message quotes them.
  @Test func releaseThresholdsAreTheSameInTheDatabaseAndTheDomain() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      defer { c.close() }
      let definition: String = try c.query(
        """
        SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conname = 'lot_release_criteria' AND conrelid = 'registry.msc_lot'::regclass
        """
      ).rows[0].decode("def")
      // `(cd73_pct >= (95)::numeric)` → `cd73_pct >= 95`.
      let plain = definition.replacing(/::(numeric|double precision|integer|real)/, with: "")
        .replacing("(", with: "").replacing(")", with: "")
      func number(_ value: Double) -> String { formatNumber(value) }
      let positive = number(ReleaseCheck.positiveMarkerMinPct)
      let negative = number(ReleaseCheck.negativeMarkerMaxPct)
      for marker in ["cd73", "cd90", "cd105"] {
        #expect(plain.contains("\(marker)_pct >= \(positive)"), "\(definition)")
      }
      for marker in ["cd45", "cd34", "cd14", "cd19", "hla_dr"] {
        #expect(plain.contains("\(marker)_pct <= \(negative)"), "\(definition)")
      }
      #expect(
        plain.contains("endotoxin_eu_ml <= \(number(ReleaseCheck.endotoxinMaxEUPerML))"),
        "\(definition)")
      #expect(
        plain.contains("viability_pct >= \(number(ReleaseCheck.viabilityMinPct))"),
        "\(definition)")
      // No other threshold is compared in the constraint.
      let compared = plain.matches(of: /(>=|<=) ([0-9.]+)/).map { String($0.2) }
      #expect(
        Set(compared)
          == Set([
            positive, negative, number(ReleaseCheck.endotoxinMaxEUPerML),
            number(ReleaseCheck.viabilityMinPct),
          ]), "\(definition)")
      // The refusal message quotes the domain's numbers.
      let t = try LotInfusionTrial(db)
      try t.lot(LotInfusionTrial.entry("UC-LOW", endotoxin: nil), release: false)
      let violation = #expect(throws: PostgresError.self) {
        try t.sql("UPDATE registry.msc_lot SET status = 'released' WHERE lot_number = 'UC-LOW'")
      }
      let refusal = violation.map(StoreErrors.map)
      #expect(
        refusal?.message.contains(
          "endotoxin ≤ \(number(ReleaseCheck.endotoxinMaxEUPerML)) EU/mL, viability ≥ "
            + "\(number(ReleaseCheck.viabilityMinPct))%") == true, "\(String(describing: refusal))")
    }
  }

  @Test func showAndRecipientsTraceALotToItsPatientsAndTheirLaterAdverseEvents() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")
      try t.lot(LotInfusionTrial.entry("UC-1"))
      try t.lot(LotInfusionTrial.entry("UC-2"))
      let a = try t.infuse(msc[0], lot: "UC-1", on: "2026-01-10", cells: 7e7)
      try t.infuse(msc[0], lot: "UC-2", on: "2026-01-20", cells: 7e7)
      let b = try t.infuse(msc[1], lot: "UC-1", on: "2026-01-12", weightKg: 60, cells: 6e7)
      _ = try InfusionService(t.coordinator(of: msc[1])).void(
        studyID: msc[1], infusionID: b.id, reason: "typo")
      let c = try t.infuse(msc[1], lot: "UC-1", on: "2026-01-13", weightKg: 60, cells: 6.6e7)
      // Adverse events (table of migration 0005) of the recipients, before and after: set up
      // as the owner, behind the service (one statement with chosen infusion links).
      try t.sql(
        """
        INSERT INTO registry.adverse_event (study_id, term, grade, relatedness, onset_on, infusion_id)
        VALUES ('\(msc[0])', 'fever', 1, 'possible', '2026-01-11', \(a.id)),
               ('\(msc[0])', 'rash', 2, 'unrelated', '2026-01-09', NULL),
               ('\(msc[1])', 'headache', 1, 'unlikely', '2026-01-14', NULL),
               ('\(msc[1])', 'nausea', 1, 'unlikely', '2026-01-15', NULL)
        """)
      try t.sql(
        "UPDATE registry.adverse_event SET voided_at = now(), void_reason = 'dup' WHERE term = 'nausea'",
        reason: "duplicate")
      let detail = try LotService(t.investigator).show(lotNumber: "UC-1")
      #expect(detail.recipients.map(\.studyID) == [msc[0], msc[1]])
      #expect(detail.recipients.map(\.infusionID) == [a.id, c.id])
      #expect(detail.recipients[1].dosePerKg == 1.1e6)
      #expect(detail.recipients[1].site == "PAN")
      #expect(detail.adverseEvents.map(\.term) == ["fever", "headache"])
      #expect(detail.adverseEvents.map(\.linkedToLot) == [true, false])
      #expect(
        try LotService(t.investigator).recipients(lotNumber: "UC-2").map(\.studyID) == [msc[0]])
      try t.expectRefused("lot", [], kind: .notFound) {
        _ = try LotService(t.investigator).recipients(lotNumber: "UC-9")
      }
      // The reverse look-back: patient → every lot, voided infusions marked.
      let uses = try InfusionService(t.investigator).lots(studyID: msc[1])
      #expect(uses.map(\.lot.lotNumber) == ["UC-1", "UC-1"])
      #expect(uses.map(\.infusion.isLive) == [false, true])
      #expect(
        try InfusionService(t.investigator).lots(studyID: msc[0]).map(\.lot.lotNumber) == [
          "UC-1", "UC-2",
        ])
    }
  }
}
