import Foundation
import PostgresClient
import RegistryDomain
import RegistryReports
import RegistryService
import TestSupport
import Testing

/// A hand-built SLE cohort for the clinical rules of issue 12, read by an investigator of PAN.
///
/// PAN, enrolled 2025-06-01 (baseline SLEDAI-2K 12, PGA 1.5, no BILAG); week24 window closes
/// 2025-11-30, week52's 2026-06-28; cut-off 2026-07-15.
/// Renal (baseline UPCR/creatinine → week52 UPCR/creatinine):
/// R1 0.4/1.0 → 0.3/1.0 outside the population; R2 4.0/1.0 → 1.5/2.0 none (creatinine
/// doubled); R3 2.0/2.0 → 0.4/1.5 complete (improvement never demotes); R4 4.0/1.0 → 1.5/1.1
/// partial; R5 1.0/1.0 → 0.3/– missing (no creatinine); R6 0.5/1.0 → no visit, missing.
/// SRI-4 (week24 SLEDAI-2K): R1 4 but died 2025-11-30 → non-responder; R2 4 with BILAG at the
/// visit and none at baseline → missing; R3 4 → responder; R4 10 → non-responder; R5 no visit
/// → missing; R6 4, died 2025-12-01 (after the window closed) → responder.
/// BOG: two MSC-arm patients infused, with related AEs; AEs of every relatedness (see test).
struct ClinicalCohort {
  let f: RegistryFixture
  let ids: [String: String]
  let investigator: String
  let bogIDs: [String]

  init(_ db: TestDatabase) throws {
    f = try RegistryFixture(db)
    let enroll = EnrollmentService(f.registry)
    let c = try db.connect()
    var ids: [String: String] = [:]
    for name in ["R1", "R2", "R3", "R4", "R5", "R6"] {
      ids[name] = try enroll.enroll(
        RegistryFixture.sleCandidate(
          mrn: "CLIN-\(name)", enrolledOn: "2025-06-01", consentDate: "2025-05-20")
      ).studyID
    }
    func exec(_ sql: String, _ values: [any PostgresEncodable]) throws {
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'fixture', true)")
        try tx.query(sql, values)
      }
    }
    let renal: [(String, Double, Double, Double?, Double?)] = [
      ("R1", 0.4, 1.0, 0.3, 1.0), ("R2", 4.0, 1.0, 1.5, 2.0), ("R3", 2.0, 2.0, 0.4, 1.5),
      ("R4", 4.0, 1.0, 1.5, 1.1), ("R5", 1.0, 1.0, 0.3, nil), ("R6", 0.5, 1.0, nil, nil),
    ]
    for (name, u0, c0, u, cr) in renal {
      try exec(
        "UPDATE registry.assessment SET upcr = $2, creatinine = $3 WHERE study_id = $1 AND visit_code = 'baseline'",
        [ids[name]!, u0, c0])
      if name != "R6" {
        try exec(
          """
          INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_2k, pga, upcr, creatinine, engine_version)
          VALUES ($1, 'week52', '2026-05-31', 4, 1.5, $2, $3, 'test')
          """, [ids[name]!, u, cr])
      }
    }
    for (name, sledai, bilag) in [
      ("R1", 4, nil), ("R2", 4, "{\"renal\": \"C\"}"), ("R3", 4, nil), ("R4", 10, nil),
      ("R6", 4, nil),
    ] as [(String, Int, String?)] {
      try exec(
        """
        INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_2k, pga, bilag, engine_version)
        VALUES ($1, 'week24', '2025-11-16', $2, 1.5, $3::jsonb, 'test')
        """, [ids[name]!, sledai, bilag])
    }
    for (name, day) in [("R1", "2025-11-30"), ("R6", "2025-12-01")] {
      try exec(
        "INSERT INTO registry.clinical_event (study_id, kind, occurred_on) VALUES ($1, 'death', $2::date)",
        [ids[name]!, day])
    }
    // BOG: enroll until two patients are in the MSC arm; infuse them on 2025-06-05.
    try db.insertReleasedLot(
      "UC-CLIN", source: "umbilical_cord", manufactured: CalendarDate(iso: "2025-05-01")!,
      expires: CalendarDate(iso: "2026-05-01")!)
    var msc: [String] = []
    var others: [String] = []
    var n = 0
    while msc.count < 2 {
      n += 1
      let id = try enroll.enroll(
        RegistryFixture.sleCandidate(
          mrn: "CLIN-BOG-\(n)", site: "BOG", enrolledOn: "2025-06-01", consentDate: "2025-05-20")
      ).studyID
      let arm: String = try c.query(
        "SELECT arm FROM registry.patient WHERE study_id = $1", [id]
      ).rows[0].decode("arm")
      if arm == "msc" { msc.append(id) } else { others.append(id) }
    }
    for id in msc {
      try exec(
        """
        INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg, total_cells, dose_per_kg, route)
        VALUES ($1, 'UC-CLIN', '2025-06-05', 60, 6e7, 1e6, 'iv')
        """, [id])
    }
    let ae = """
      INSERT INTO registry.adverse_event (study_id, term, grade, serious, relatedness, onset_on)
      VALUES ($1, $2, $3, $4, $5, $6::date)
      """
    // Related: B1 possible serious + definite; B2 probable. Unrelated: B1 unlikely serious;
    // B2 unrelated; an MSC-free patient (if any) unrelated serious.
    try exec(ae, [msc[0], "Infusion reaction", 3, "hospitalisation", "possible", "2025-06-05"])
    try exec(ae, [msc[0], "Fever", 1, String?.none, "definite", "2025-06-06"])
    try exec(ae, [msc[1], "Headache", 1, String?.none, "probable", "2025-06-06"])
    try exec(ae, [msc[0], "Fall", 2, "hospitalisation", "unlikely", "2025-07-01"])
    try exec(ae, [msc[1], "Rash", 1, String?.none, "unrelated", "2025-07-01"])
    bogIDs = msc + others
    self.ids = ids
    investigator = db.userName("inv")
    _ = try UserService(f.registry).add(
      name: investigator, role: .investigator, sites: ["PAN", "BOG"])
  }

  /// The report as the investigator.
  func report(asOf: String = "2026-07-15", minCell: Int = 0) throws -> CohortReport {
    var q = ReportService.CohortQuery(protocolCode: "SLE-UCMSC")
    q.asOf = CalendarDate(iso: asOf)!
    q.groupBy = .site
    q.minCell = minCell
    let registry = RegistryDatabase(conninfo: try f.db.conninfo(asUser: investigator))
    return try ReportService(registry).cohort(q)
  }
}

@Suite(.blocking) struct CohortReportClinicalTests {
  @Test func renalResponseFollowsKDIGO2024() throws {
    try TestDatabase.with { db in
      let r = try ClinicalCohort(db).report()
      let renal = try r.group("PAN").proportion("renal_w52")
      #expect(renal.patients == 6)
      #expect(renal.population == 5)  // R1 (baseline UPCR 0.4) is outside
      #expect(renal.responders == 2 && renal.complete == 1 && renal.partial == 1)
      #expect(renal.missing == 2)  // R5 without creatinine, R6 without a visit
      #expect(renal.rate == 0.4)
      #expect(renal.populationUPCRMin == 0.5)
      // Before week52's window closes, R6 is not due (and R1 is outside anyway).
      let early = try ClinicalCohort.reportAgain(db, asOf: "2026-06-01")
      let e = try early.group("PAN").proportion("renal_w52")
      #expect(e.patients == 5 && e.population == 4 && e.missing == 1)
    }
  }

  @Test func sri4DeathBeforeTheWindowClosesAndBILAGWithoutBaseline() throws {
    try TestDatabase.with { db in
      let r = try ClinicalCohort(db).report()
      let sri4 = try r.group("PAN").proportion("sri4_w24")
      #expect(sri4.patients == 6)
      #expect(sri4.responders == 2)  // R3, and R6 who died after the window closed
      #expect(sri4.missing == 2)  // R2 (BILAG at the visit only), R5 (no visit)
      #expect(sri4.population == nil && sri4.complete == nil)
      // Inside the window (2025-11-20): R1's death is not yet on record; R5 is not due.
      let inside = try ClinicalCohort.reportAgain(db, asOf: "2025-11-20")
      let i = try inside.group("PAN").proportion("sri4_w24")
      #expect(i.patients == 5 && i.responders == 3 && i.missing == 1)
      // On the day of R1's death (the window's last day) R1 turns non-responder.
      let dead = try ClinicalCohort.reportAgain(db, asOf: "2025-11-30")
      let d = try dead.group("PAN").proportion("sri4_w24")
      #expect(d.patients == 5 && d.responders == 2)
    }
  }

  @Test func safetyByRelatednessAndSeriousness() throws {
    try TestDatabase.with { db in
      let r = try ClinicalCohort(db).report()
      let ae = try r.group("BOG").adverseEvents
      #expect(ae.related.patients == 2 && ae.related.patientsSerious == 1)
      #expect(ae.related.events == 3 && ae.related.eventsSerious == 1)
      #expect(ae.unrelated.patients == 2 && ae.unrelated.patientsSerious == 1)
      #expect(ae.unrelated.events == 2 && ae.unrelated.eventsSerious == 1)
      let pan = try r.group("PAN").adverseEvents
      #expect(pan.related.patients == 0 && pan.unrelated.events == 0)
      for text in [
        CohortReportText.render(r), CohortReportCSV.render(r), CohortReportHTML.render(r),
      ] {
        #expect(text.contains("elated"))
      }
      let csv = CohortReportCSV.render(r)
      let header = csv.split(whereSeparator: \.isNewline)[0].split(separator: ",").map(String.init)
      let bog = csv.split(whereSeparator: \.isNewline).first { $0.hasPrefix("BOG,") }!
        .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let column = { (name: String) in bog[header.firstIndex(of: name)!] }
      #expect(column("ae_related_events") == "3" && column("ae_unrelated_patients_serious") == "1")
    }
  }

  @Test func suppressedFiguresAreNullNeverMissingKeys() throws {
    try TestDatabase.with { db in
      let r = try ClinicalCohort(db).report(minCell: 3)
      let renal = try r.group("PAN").proportion("renal_w52")
      #expect(renal.complete == nil && renal.partial == nil)
      let json = try CohortReportJSON.render(r)
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
      let groups = try #require(object["groups"] as? [[String: Any]])
      let pan = try #require(groups.first { $0["group"] as? String == "PAN" })
      let endpoints = try #require(pan["endpoints"] as? [[String: Any]])
      let renalJSON = try #require(endpoints.first { $0["code"] as? String == "renal_w52" })
      for key in ["complete", "partial", "responders", "population", "rate"] {
        #expect(renalJSON.keys.contains(key), "\(key)")
      }
      #expect(renalJSON["complete"] is NSNull && renalJSON["partial"] is NSNull)
      #expect(renalJSON["population"] as? Int == 5)
      let bog = try #require(groups.first { $0["group"] as? String == "BOG" })
      let ae = try #require(bog["adverse_events"] as? [String: Any])
      let related = try #require(ae["related"] as? [String: Any])
      #expect(related["patients_serious"] is NSNull && related["events"] as? Int == 3)
    }
  }
}

@Suite(.blocking) struct CohortReportComparisonTests {
  /// The hand-built ACLF cohort (CohortReportTests): the comparison splits its patients by the
  /// arms' `receives_msc` whatever the grouping, and matches the domain's tests on the known
  /// follow-up (A death 59, B transplant 59, C censored 59, D censored 0, E censored 31, F
  /// death 198). Read by a monitor.
  @Test func logRankAndCoxOverTheArmsOfTheCohort() throws {
    try TestDatabase.with { db in
      let cohort = try HandCohort(db)
      let monitor = db.userName("mon")
      _ = try UserService(cohort.f.registry).add(name: monitor, role: .monitor, sites: [])
      var arms: [String: Bool] = [:]
      for (name, id) in cohort.ids {
        let arm: String = try db.connect().query(
          "SELECT arm FROM registry.patient WHERE study_id = $1", [id]
        ).rows[0].decode("arm")
        arms[name] = arm == "msc"
      }
      let follow: [(String, Double, Bool)] = [
        ("A", 59, true), ("B", 59, true), ("C", 59, false), ("D", 0, false), ("E", 31, false),
        ("F", 198, true),
      ]
      let observations = follow.map {
        SurvivalComparisonObservation(time: $0.1, event: $0.2, treated: arms[$0.0]!)
      }
      let expected = SurvivalComparison(
        endpoint: "tfs", mscArms: ["msc"], controlArms: ["smt"], observations: observations)
      for by in [CohortGrouping.site, .arm] {
        var q = ReportService.CohortQuery(protocolCode: "ACLF-BMMSC")
        q.asOf = CalendarDate(iso: "2026-10-01")!
        q.groupBy = by
        let r = try ReportService(RegistryDatabase(conninfo: try db.conninfo(asUser: monitor)))
          .cohort(q)
        #expect(r.comparisons == [expected])
      }
    }
  }
}

extension ClinicalCohort {
  /// Builds the cohort once more in `db` (a fresh fixture is not needed: reports are reads) and
  /// reads the report at another cut-off.
  static func reportAgain(_ db: TestDatabase, asOf: String) throws -> CohortReport {
    let investigator = db.userName("inv")
    var q = ReportService.CohortQuery(protocolCode: "SLE-UCMSC")
    q.asOf = CalendarDate(iso: asOf)!
    q.groupBy = .site
    return try ReportService(RegistryDatabase(conninfo: try db.conninfo(asUser: investigator)))
      .cohort(q)
  }
}
