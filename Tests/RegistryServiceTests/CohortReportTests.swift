import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// A hand-built ACLF cohort whose every report figure is known in advance.
///
/// Site PAN, enrolled 2026-01-01: A (baseline MELD 20) dies day 59; B (24) is transplanted day
/// 59; C (18) is last seen day 59 (an AE) — a tie of two events and a censoring on one day —
/// with a voided death and a voided week4; D (22) has no follow-up (censored day 0) and a
/// week4 dated after the cut-off. Site GZU, enrolled 2026-03-01: E withdraws day 31; F dies
/// day 198 with a grade 5 AE. G (PAN) is enrolled after the cut-off. Cut-off 2026-10-01.
struct HandCohort {
  let f: RegistryFixture
  let ids: [String: String]

  init(_ db: TestDatabase) throws {
    f = try RegistryFixture(db)
    // Enrolled by a coordinator (of PAN and GZU); the report is read by an investigator of
    // every site.
    let enroll = EnrollmentService(f.siteCoordinator)
    var ids: [String: String] = [:]
    for (name, site, date, meld) in [
      ("A", "PAN", "2026-01-01", 20), ("B", "PAN", "2026-01-01", 24),
      ("C", "PAN", "2026-01-01", 18), ("D", "PAN", "2026-01-01", 22),
      ("E", "GZU", "2026-03-01", 20), ("F", "GZU", "2026-03-01", 20),
      ("G", "PAN", "2026-10-15", 20),
    ] {
      ids[name] = try enroll.enroll(
        RegistryFixture.aclfCandidate(
          mrn: "HAND-\(name)", site: site, enrolledOn: date, consentDate: date,
          raw: try labs(forMELD: meld))
      ).studyID
    }
    // One screen failure inside the cut-off, one after it.
    for (mrn, date) in [("FAIL-1", "2026-02-01"), ("FAIL-2", "2026-10-20")] {
      _ = try? enroll.enroll(
        RegistryFixture.aclfCandidate(
          mrn: mrn, site: "PAN", enrolledOn: date, birthDate: "1940-01-01", consentDate: date,
          raw: try labs(forMELD: 20)))
    }
    self.ids = ids
    // The follow-up is written as the owner, behind the services: rows voided at chosen past
    // times and a hand-picked history that no use case can write in one go.
    let c = try db.connect()
    try db.insertReleasedLot(
      "BM-1", source: "bone_marrow", manufactured: CalendarDate(iso: "2025-12-01")!,
      expires: CalendarDate(iso: "2027-12-01")!)
    // The database admits infusions only for MSC arms: treat the first MSC-arm patient among
    // A–C at PAN (D must keep no follow-up) and the MSC-arm one of E and F at GZU.
    func mscArm(_ names: [String]) throws -> String {
      for name in names {
        let arm: String = try c.query(
          "SELECT arm FROM registry.patient WHERE study_id = $1", [ids[name]!]
        ).rows[0].decode("arm")
        if arm == "msc" { return name }
      }
      throw RegistryError.refused("fixture", "no MSC-arm patient among \(names)")
    }
    let treatedPAN = try mscArm(["A", "B", "C"])
    let treatedGZU = try mscArm(["E", "F"])
    func exec(_ sql: String, _ values: [any PostgresEncodable]) throws { try c.query(sql, values) }
    let infusion = """
      INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg, total_cells,
        dose_per_kg, route, voided_at, void_reason)
      VALUES ($1, 'BM-1', $2, 60, 4.8e7, 8e5, 'iv', $3::timestamptz, $4)
      """
    try exec(infusion, [ids[treatedPAN]!, "2026-01-10", String?.none, String?.none])
    try exec(infusion, [ids[treatedGZU]!, "2026-03-05", String?.none, String?.none])
    try exec(infusion, [ids[treatedPAN]!, "2026-01-20", "2026-01-21", "wrong date"])
    let event = """
      INSERT INTO registry.clinical_event (study_id, kind, occurred_on, voided_at, void_reason)
      VALUES ($1, $2, $3, $4::timestamptz, $5)
      """
    try exec(event, [ids["A"]!, "death", "2026-03-01", String?.none, String?.none])
    try exec(event, [ids["B"]!, "liver_transplant", "2026-03-01", String?.none, String?.none])
    try exec(event, [ids["C"]!, "death", "2026-02-01", "2026-02-02", "wrong patient"])
    try exec(event, [ids["F"]!, "death", "2026-09-15", String?.none, String?.none])
    let ae = """
      INSERT INTO registry.adverse_event (study_id, term, grade, serious, relatedness, onset_on,
        voided_at, void_reason)
      VALUES ($1, $2, $3, $4,
        -- SPEC §4: related only after an infusion on or before the onset.
        CASE WHEN EXISTS (SELECT 1 FROM registry.infusion WHERE study_id = $1
                          AND voided_at IS NULL AND infused_on <= $5::date)
             THEN 'possible' ELSE 'unrelated' END,
        $5, $6::timestamptz, $7)
      """
    try exec(
      ae, [ids["A"]!, "Fever", 3, "hospitalisation", "2026-02-01", String?.none, String?.none])
    try exec(ae, [ids["C"]!, "Rash", 1, String?.none, "2026-03-01", String?.none, String?.none])
    try exec(
      ae, [ids["C"]!, "Sepsis", 4, "life_threatening", "2026-02-10", "2026-02-11", "wrong patient"])
    try exec(ae, [ids["B"]!, "Nausea", 2, String?.none, "2026-10-20", String?.none, String?.none])
    try exec(
      ae, [ids["F"]!, "Pneumonia", 2, "hospitalisation", "2026-08-01", String?.none, String?.none])
    try exec(
      ae, [ids["F"]!, "Hepatic failure", 5, "death", "2026-09-15", String?.none, String?.none])
    let assess = """
      INSERT INTO registry.assessment (study_id, visit_code, assessed_on, meld, engine_version,
        voided_at, void_reason)
      VALUES ($1, 'week4', $2, $3, 'test', $4::timestamptz, $5)
      """
    try exec(assess, [ids["A"]!, "2026-01-29", 17, String?.none, String?.none])
    try exec(assess, [ids["B"]!, "2026-01-29", 20, String?.none, String?.none])
    try exec(assess, [ids["C"]!, "2026-01-29", 10, "2026-01-30", "wrong visit"])
    try exec(assess, [ids["C"]!, "2026-01-30", 18, String?.none, String?.none])
    try exec(assess, [ids["D"]!, "2026-10-15", 12, String?.none, String?.none])
    try c.transaction { tx in
      try tx.query("SELECT set_config('mscreg.reason', 'withdrew consent', true)")
      try tx.query(
        "UPDATE registry.consent SET withdrawn_on = '2026-04-01' WHERE study_id = $1", [ids["E"]!])
      try tx.query(
        "UPDATE registry.patient SET status = 'withdrawn', status_on = '2026-04-01' WHERE study_id = $1",
        [ids["E"]!])
    }
  }

  func report(
    asOf: String = "2026-10-01", by: CohortGrouping = .site, ci: SurvivalCIMethod = .loglog,
    minCell: Int = 0
  ) throws -> CohortReport {
    var q = ReportService.CohortQuery(protocolCode: "ACLF-BMMSC")
    q.asOf = CalendarDate(iso: asOf)!
    q.groupBy = by
    q.ciMethod = ci
    q.minCell = minCell
    return try ReportService(f.investigator).cohort(q)
  }
}

extension CohortReport {
  func group(_ label: String) throws -> Group {
    try #require(groups.first { $0.group == label })
  }
}

extension CohortReport.Group {
  func survival(_ code: String) throws -> EndpointResult.Survival {
    for e in endpoints { if case .survival(let s) = e, s.code == code { return s } }
    throw RegistryError.notFound("endpoint", code)
  }
  func change(_ code: String) throws -> EndpointResult.Change {
    for e in endpoints { if case .change(let c) = e, c.code == code { return c } }
    throw RegistryError.notFound("endpoint", code)
  }
  func proportion(_ code: String) throws -> EndpointResult.Proportion {
    for e in endpoints { if case .proportion(let p) = e, p.code == code { return p } }
    throw RegistryError.notFound("endpoint", code)
  }
}

func close(_ a: Double?, _ b: Double, _ tolerance: Double = 5e-5) -> Bool {
  guard let a else { return false }
  return abs(a - b) <= tolerance
}

@Suite(.blocking) struct CohortReportTests {
  @Test func everyFigureOfAHandBuiltCohort() throws {
    try TestDatabase.with { db in
      let cohort = try HandCohort(db)
      let r = try cohort.report()
      #expect(r.groups.map(\.group) == ["GZU", "PAN"])
      let pan = try r.group("PAN")
      #expect(pan.enrolled == 4 && pan.treated == 1 && pan.withdrawn == 0)
      #expect(pan.died == 1 && pan.transplanted == 1)
      let gzu = try r.group("GZU")
      #expect(gzu.enrolled == 2 && gzu.treated == 1 && gzu.withdrawn == 1)
      #expect(gzu.died == 1 && gzu.transplanted == 0)

      // Transplant-free survival, PAN: D censored day 0; A and B events and C censored on
      // day 59 (events first) → S = 1 − 2/3; lifelines: loglog CI 0.0090–0.7741. Day 168
      // lies beyond everyone's follow-up and S > 0: not estimable (issue 12).
      let tfs = try pan.survival("tfs")
      #expect(tfs.patients == 4 && tfs.eventsObserved == 2)
      let d59 = try #require(tfs.curve.first { $0.day == 59 })
      #expect(close(d59.survival, 1.0 / 3))
      #expect(close(d59.ciLow, 0.00896163) && close(d59.ciHigh, 0.77414865))
      #expect(d59.censored == 1 && tfs.curve.first?.censored == 1)  // D at day 0, C at 59
      let d168 = try #require(tfs.points.first { $0.day == 168 })
      #expect(!d168.estimable && d168.survival == nil && d168.ciLow == nil && d168.ciHigh == nil)
      #expect(d168.atRisk == 0)
      #expect(tfs.medianDays == 59)
      // Median CI (lifelines median_survival_times on the loglog band): the lower band is
      // ≤ 0.5 from day 59, the upper band (0.774) never is.
      #expect(tfs.medianCILow == 59 && tfs.medianCIHigh == nil)
      // GZU: E censored day 31, F dies day 198.
      // Day 336 is past F's death on day 198, but the curve has reached 0: estimable.
      let g = try gzu.survival("tfs")
      #expect(g.points.map(\.survival) == [1.0, 0.0])
      #expect(g.points.map(\.estimable) == [true, true])
      #expect(g.points.map(\.atRisk) == [1, 0])

      // MELD change at week4, PAN: −3, −4, 0 (C's voided week4 and D's late one ignored).
      let meld = try pan.change("meld_w4")
      #expect(meld.n == 3)
      #expect(close(meld.mean, -7.0 / 3) && close(meld.sd, 2.0816660))
      #expect(close(meld.ciLow, -7.5044783) && close(meld.ciHigh, 2.8378117))
      #expect(try gzu.change("meld_w4").n == 0)

      // Adverse events: A grade 3 serious, C grade 1 (voided grade 4 and B's late AE ignored).
      #expect(pan.adverseEvents.patientsAny == 2 && pan.adverseEvents.patientsSerious == 1)
      #expect(pan.adverseEvents.worstGrade == ["1": 1, "2": 0, "3": 1, "4": 0, "5": 0])
      #expect(gzu.adverseEvents.worstGrade["5"] == 1 && gzu.adverseEvents.patientsSerious == 1)

      // Flow: 6 enrolled by the cut-off, 1 screen failure (the later one is cut).
      #expect(r.flow.screened == 7 && r.flow.screenFailed == 1 && r.flow.enrolled == 6)
      #expect(r.flow.screenFailures == ["age_years": 1])
      #expect(r.flow.treated == 2 && r.flow.withdrawn == 1 && r.flow.analysed == 6)
      #expect(r.flow.allocated.values.compactMap { $0 }.reduce(0, +) == 6)
      #expect(r.suppressed.isEmpty)
    }
  }

  @Test func plainIntervalsAreLinearAndClipped() throws {
    try TestDatabase.with { db in
      let r = try HandCohort(db).report(ci: .plain)
      let p = try #require(try r.group("PAN").survival("tfs").curve.first { $0.day == 59 })
      #expect(close(p.survival, 1.0 / 3))
      #expect(p.ciLow == 0)
      #expect(close(p.ciHigh, 0.8667680))
      #expect(r.ciMethod == .plain)
    }
  }

  @Test func asOfCutsEnrollmentsEventsAndRecords() throws {
    try TestDatabase.with { db in
      let cohort = try HandCohort(db)
      let early = try cohort.report(asOf: "2026-02-15")
      #expect(early.groups.map(\.group) == ["PAN"])
      let pan = try early.group("PAN")
      #expect(pan.enrolled == 4 && pan.died == 0 && pan.transplanted == 0)
      let tfs = try pan.survival("tfs")
      #expect(tfs.eventsObserved == 0)
      // Nobody is followed to day 168 by mid-February and nobody had an event: not estimable.
      #expect(tfs.points.first?.survival == nil && tfs.points.first?.estimable == false)
      #expect(tfs.medianDays == nil && tfs.medianCILow == nil)
      #expect(pan.adverseEvents.patientsAny == 1)
      #expect(try pan.change("meld_w4").n == 3)  // the three live week4s of January
      let late = try cohort.report(asOf: "2026-11-21")
      let lpan = try late.group("PAN")
      #expect(lpan.enrolled == 5)  // G joins
      #expect(try lpan.change("meld_w4").n == 4)  // D's week4 of 10-15 counts now
      #expect(lpan.adverseEvents.patientsAny == 3)  // B's AE of 10-20
      #expect(late.flow.screenFailed == 2)
    }
  }

  @Test func minCellSuppressesCountsAndWhatIsBuiltOnThem() throws {
    try TestDatabase.with { db in
      let cohort = try HandCohort(db)
      let two = try cohort.report(minCell: 2)
      let pan = try two.group("PAN")
      // PAN's 4 and GZU's 2 enrolled are withheld as complements (complementary suppression:
      // otherwise a `<2` count of the flow or of a group would be a difference of printed ones).
      #expect(pan.enrolled == nil && pan.complementary.contains("enrolled"))
      #expect(pan.died == nil && pan.transplanted == nil && pan.treated == nil)
      #expect(pan.suppressed.contains("died") && pan.suppressed.contains("transplanted"))
      #expect(pan.withdrawn == 0)  // zero is never suppressed
      // Exactly min-cell, but withheld as a complement: any = Σ worst grades, one of them `<2`.
      #expect(pan.adverseEvents.patientsAny == nil)
      #expect(pan.complementary.contains("adverse_events.patients_any"))
      #expect(pan.adverseEvents.patientsSerious == nil)
      #expect(pan.adverseEvents.worstGrade["3"] == .some(nil))
      let tfs = try pan.survival("tfs")
      // Not estimable at day 168: nothing to withhold, so no suppression path either.
      #expect(tfs.points.first?.estimable == false && tfs.points.first?.survival == nil)
      #expect(!pan.suppressed.contains("endpoints.tfs.points.168.survival"))
      let gzu = try two.group("GZU")
      #expect(gzu.enrolled == nil && gzu.complementary.contains("enrolled"))
      let g168 = try #require(try gzu.survival("tfs").points.first)
      #expect(g168.atRisk == nil && g168.survival == nil && g168.ciLow == nil)
      #expect(gzu.suppressed.contains("endpoints.tfs.points.168.survival"))
      #expect(two.flow.screenFailed == nil && two.suppressed.contains("flow.screen_failed"))

      let three = try cohort.report(minCell: 3)
      let g3 = try three.group("GZU")
      #expect(g3.enrolled == nil)
      #expect(try g3.survival("tfs").points.allSatisfy { $0.survival == nil })
      let change = try three.group("PAN").change("meld_w4")
      #expect(change.n == 3 && change.mean != nil)
      let four = try cohort.report(minCell: 4)
      let c4 = try four.group("PAN").change("meld_w4")
      #expect(c4.n == nil && c4.mean == nil && c4.ciLow == nil)
    }
  }

  @Test func groupingBySourceAndDose() throws {
    try TestDatabase.with { db in
      let cohort = try HandCohort(db)
      let bySource = try cohort.report(by: .source)
      #expect(bySource.groups.map(\.group) == ["bone_marrow", "none"])
      #expect(try bySource.group("bone_marrow").enrolled == 2)
      #expect(try bySource.group("none").enrolled == 4)
      let byDose = try cohort.report(by: .dose)
      #expect(byDose.groups.map(\.group) == ["0.5–<1.0×10⁶/kg", "none"])
      let byArm = try cohort.report(by: .arm)
      #expect(byArm.groups.map(\.group) == ["msc", "smt"])
      #expect(byArm.groups.compactMap(\.enrolled).reduce(0, +) == 6)
    }
  }

  @Test func unknownProtocolOrSiteIsNotFound() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      var q = ReportService.CohortQuery(protocolCode: "NOPE")
      let e = try #require(throws: RegistryError.self) {
        try ReportService(f.investigator).cohort(q)
      }
      #expect(e.exitStatus == 66)
      q.protocolCode = "SLE-UCMSC"
      q.site = "XXX"
      let s = try #require(throws: RegistryError.self) {
        try ReportService(f.investigator).cohort(q)
      }
      #expect(s.field == "site")
    }
  }
}
