import Testing

@testable import RegistryDomain

/// The pure release gate and infusion rules, without a database.
@Suite struct LotRulesTests {
  static func lot(
    status: LotStatus = .released, source: TissueSource = .umbilicalCord, passage: Int = 3,
    viability: Double = 90, markers: MarkerPanel? = nil, expires: String = "2026-12-31"
  ) -> MSCLot {
    MSCLot(
      lotNumber: "L-1", source: source, donor: .allogeneic, product: .cells, passage: passage,
      viabilityPct: viability,
      markers: markers
        ?? MarkerPanel(
          cd73: 99, cd90: 99, cd105: 99, cd45: 0, cd34: 0, cd14: 0, cd19: 0, hlaDR: 0),
      sterility: .negative, mycoplasma: .negative, endotoxinEUPerML: 0.1,
      manufacturedOn: CalendarDate(iso: "2025-12-01")!,
      expiresOn: CalendarDate(iso: expires)!, status: status)
  }

  static let plan = TreatmentPlan(
    allowedSources: [.umbilicalCord], product: .cells,
    dosePerKg: Bounds(min: 0.8e6, max: 1.2e6), maxInfusions: 2, minDaysBetweenInfusions: 7,
    release: ReleaseCriteria(minViabilityPct: 70, maxPassage: 5, isctMarkers: true))

  static let patient = Patient(
    studyID: "SLE-PAN-0001", protocolCode: "SLE-UCMSC", protocolVersion: 1, site: "PAN",
    sex: .female, birthYear: 1980, ageAtEnrollment: 45,
    enrolledOn: CalendarDate(iso: "2026-01-05")!, arm: "msc", status: .enrolled, statusOn: nil)

  func check(
    patient: Patient = patient, lot: MSCLot = lot(), date: String = "2026-01-10",
    cells: Double = 7e7, others: [String] = []
  ) -> [InfusionViolation] {
    InfusionRules.check(
      patient: patient, arm: ProtocolArm(code: "msc", ratio: 1, receivesMSC: true),
      plan: Self.plan, lot: lot,
      entry: InfusionEntry(
        studyID: patient.studyID, lotNumber: lot.lotNumber, date: CalendarDate(iso: date)!,
        weightKg: 70, cells: cells),
      otherInfusions: others.map { CalendarDate(iso: $0)! },
      today: CalendarDate(iso: "2026-06-01")!)
  }

  @Test func releaseCheckThresholdsAreInclusiveAndEveryFailureIsListed() {
    let edge = Self.lot(
      viability: 70,
      markers: MarkerPanel(
        cd73: 95, cd90: 95, cd105: 95, cd45: 2, cd34: 2, cd14: 2, cd19: 2, hlaDR: 2))
    #expect(ReleaseCheck.failures(edge, today: CalendarDate(iso: "2026-12-31")!).isEmpty)
    let bad = Self.lot(
      viability: 69.99,
      markers: MarkerPanel(
        cd73: 94.99, cd90: 95, cd105: nil, cd45: 2.01, cd34: 2, cd14: 2, cd19: 2, hlaDR: 2))
    let failures = ReleaseCheck.failures(bad, today: CalendarDate(iso: "2027-01-01")!)
    #expect(failures.count == 5)
    #expect(failures[0] == "CD73: 94.99% (must be ≥ 95%)")
    #expect(failures[1] == "CD105: not recorded (must be ≥ 95% positive)")
    #expect(failures[2] == "CD45: 2.01% (must be ≤ 2%)")
    #expect(failures[3] == "viability: 69.99% (must be ≥ 70%)")
    #expect(failures[4].hasPrefix("expiry: the lot expired on 2026-12-31"))
  }

  @Test func infusionRulesOnBothSidesOfEachLimit() {
    #expect(check().isEmpty)
    #expect(check(cells: 5.6e7).isEmpty)
    #expect(check(cells: 8.4e7).isEmpty)
    #expect(check(cells: 5.6e7 - 1).map(\.field) == ["cells"])
    #expect(check(cells: 8.4e7 + 1).map(\.field) == ["cells"])
    #expect(check(date: "2026-12-31").isEmpty == false)  // in the future
    #expect(check(lot: Self.lot(expires: "2026-01-10")).isEmpty)
    #expect(check(lot: Self.lot(expires: "2026-01-09")).map(\.field) == ["lot"])
    #expect(check(others: ["2026-01-03"]).isEmpty)
    #expect(check(others: ["2026-01-04"]).map(\.field) == ["date"])
    #expect(check(others: ["2026-01-17"]).isEmpty)
    #expect(check(others: ["2026-01-16"]).map(\.field) == ["date"])
    #expect(check(others: ["2025-12-01", "2025-12-20"]).map(\.field) == ["study_id"])
    #expect(check(lot: Self.lot(status: .quarantine)).map(\.field) == ["lot"])
    #expect(check(lot: Self.lot(source: .boneMarrow)).map(\.field) == ["lot"])
    #expect(check(lot: Self.lot(passage: 5)).isEmpty)
    #expect(check(lot: Self.lot(passage: 6)).map(\.field) == ["lot"])
    #expect(check(date: "2026-01-05").isEmpty)
    #expect(check(date: "2026-01-04").map(\.field) == ["date"])
    for status in [PatientStatus.withdrawn, .died, .lostToFollowUp] {
      let p = Patient(
        studyID: "SLE-PAN-0001", protocolCode: "SLE-UCMSC", protocolVersion: 1, site: "PAN",
        sex: .female, birthYear: 1980, ageAtEnrollment: 45,
        enrolledOn: CalendarDate(iso: "2026-01-05")!, arm: "msc", status: status,
        statusOn: CalendarDate(iso: "2026-01-06")!)
      #expect(check(patient: p).map(\.field) == ["study_id"], "\(status)")
    }
  }

  @Test func lotEntryValidationAndDoseFormat() throws {
    let entry = LotEntry(
      lotNumber: " UC-1 ", source: "umbilical_cord", donor: "allogeneic", product: "cells",
      passage: "0", viability: "100%", markers: ["cd73": "95.5"], manufactured: "2026-01-01",
      expires: "2026-01-01")
    let lot = try entry.validated(today: CalendarDate(iso: "2026-01-01")!)
    #expect(lot.lotNumber == "UC-1" && lot.viabilityPct == 100 && lot.markers.cd73 == 95.5)
    #expect(lot.status == .quarantine)
    #expect(DoseFormat.scientific(7e7) == "7e7")
    #expect(DoseFormat.scientific(1.2e6) == "1.2e6")
    #expect(DoseFormat.scientific(999_999.99999) == "1e6")
    #expect(DoseFormat.scientific(12.5) == "12.5")
    #expect(throws: RegistryError.self) {
      try InfusionEntry.validated(
        studyID: "X", lot: "L", date: "2026-01-01", weightKg: "0", cells: "1e7", route: nil)
    }
    let parsed = try InfusionEntry.validated(
      studyID: "X", lot: "L", date: "2026-01-01", weightKg: "70", cells: "7.0e7",
      route: "portal_vein")
    #expect(parsed.dosePerKg == 1e6 && parsed.route == .portalVein)
  }
}
