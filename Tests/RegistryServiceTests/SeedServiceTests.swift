import Foundation
import PostgresClient
import RegistryDomain
import RegistryProtocolYAML
import RegistrySeed
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// `SeedService` against a real database: what a seeded registry holds obeys every rule a
/// real one does.
@Suite(.blocking) struct SeedServiceTests {
  static let asOf = CalendarDate(iso: "2026-11-01")!
  static let protocols = ["SLE-UCMSC", "ACLF-BMMSC"]

  static func trial(_ f: RegistryFixture, _ code: String) throws -> TrialProtocol {
    let c = try f.db.connect()
    let source: String = try c.query(
      "SELECT source FROM registry.protocol WHERE code = $1", [code]
    ).rows[0].decode("source")
    return try TrialProtocol(yaml: source)
  }

  @Test(arguments: protocols)
  func seededDataObeysTheProtocol(code: String) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let trial = try Self.trial(f, code)
      let result = try SeedService(f.registry).seed(
        protocolCode: code, patients: 300, seed: 11, asOf: Self.asOf)
      #expect(result.counts["registry.patient"] == 300)
      #expect(result.sites == ["BOG", "GZU", "PAN"])
      let c = try db.connect()

      // Infusions: dose range, count, spacing, arm, lot gate and release criteria.
      let plan = trial.treatment
      let infusions = try c.query(
        """
        SELECT i.study_id, i.infused_on, i.dose_per_kg, i.total_cells / i.weight_kg AS derived,
               p.arm, p.enrolled_on, l.status, l.source, l.product, l.viability_pct, l.passage,
               l.manufactured_on, l.expires_on
        FROM registry.infusion i JOIN registry.patient p USING (study_id)
        JOIN registry.msc_lot l USING (lot_number) ORDER BY i.study_id, i.infused_on
        """
      ).rows
      #expect(!infusions.isEmpty)
      var perPatient: [String: [CalendarDate]] = [:]
      for row in infusions {
        let id: String = try row.decode("study_id")
        let on: CalendarDate = try row.decode("infused_on")
        let dose: Double = try row.decode("dose_per_kg")
        #expect(plan.dosePerKg.contains(dose), "\(id) dose \(dose)")
        #expect(try trial.arm(code: row.decode("arm"))?.receivesMSC == true)
        #expect(try row.decode("status") == "released")
        #expect(plan.allowedSources.map(\.rawValue).contains(try row.decode("source")))
        #expect(try row.decode("product") == plan.product.rawValue)
        #expect(try row.decode("viability_pct") >= plan.release.minViabilityPct)
        #expect(try row.decode("passage") <= plan.release.maxPassage)
        #expect(try on >= row.decode("manufactured_on") && on <= row.decode("expires_on"))
        #expect(try on >= row.decode("enrolled_on") && on <= Self.asOf)
        perPatient[id, default: []].append(on)
      }
      for (id, dates) in perPatient {
        #expect(dates.count <= plan.maxInfusions, "\(id)")
        for (a, b) in zip(dates, dates.dropFirst()) {
          #expect(a.days(until: b) >= plan.minDaysBetweenInfusions, "\(id)")
        }
      }

      // Assessments inside their windows, scores equal to the engine's.
      let assessments = try c.query(
        """
        SELECT a.*, p.enrolled_on, p.sex, p.age_at_enrollment
        FROM registry.assessment a JOIN registry.patient p USING (study_id)
        """
      ).rows
      #expect(assessments.count > 300)
      for row in assessments {
        let visit = try #require(trial.visit(code: row.decode("visit_code")))
        #expect(
          try visit.window.contains(
            row.decode("assessed_on"), enrolledOn: row.decode("enrolled_on")))
        let measures = try Self.measures(row)
        let scores = measures.derivedScores(
          sex: try Sex.parse(row.decode("sex"), field: "sex"),
          age: try row.decode("age_at_enrollment"))
        #expect(try row.decode("sledai_2k") == scores.sledai2k)
        #expect(try row.decode("eular_acr_2019") == scores.eularAcr2019)
        #expect(try row.decode("meld") == scores.meld)
        #expect(try row.decode("meld_na") == scores.meldNa)
        #expect(try row.decode("meld_3") == scores.meld3)
        #expect(try row.decode("child_pugh") == scores.childPugh)
        #expect(try row.decode("child_pugh_class") == scores.childPughClass?.rawValue)
        #expect(try row.decode("engine_version") == ScoreEngine.version)
      }
      // Every baseline passes eligibility (one per patient).
      #expect(
        try c.query(
          "SELECT count(*)::int AS n FROM registry.assessment WHERE visit_code = 'baseline'"
        ).rows[0].decode("n") == 300)

      // Study IDs gapless per site; allocations follow the blocks position by position.
      let patients = try c.query(
        """
        SELECT p.study_id, p.site_code, p.seq, p.arm, a.stratum, a.position
        FROM registry.patient p JOIN registry.allocation a USING (study_id)
        ORDER BY p.site_code, p.seq
        """
      ).rows
      var seqs: [String: [Int]] = [:]
      var arms: [String: [Int: String]] = [:]
      for row in patients {
        let site: String = try row.decode("site_code")
        let seq: Int = try row.decode("seq")
        seqs[site, default: []].append(seq)
        #expect(
          try row.decode("study_id")
            == Patient.studyID(prefix: trial.studyIDPrefix, site: site, number: seq))
        arms[try row.decode("stratum"), default: [:]][try row.decode("position")] =
          try row.decode("arm")
      }
      for (site, list) in seqs { #expect(list == Array(1...list.count), "\(site)") }
      for (stratum, byPosition) in arms {
        #expect(Set(byPosition.keys) == Set(0..<byPosition.count))
        let expected = trial.randomizer.sequence(stratum: stratum, count: byPosition.count)
        #expect((0..<byPosition.count).map { byPosition[$0]! } == expected.map(\.code))
        // Every complete block holds each arm ratio × size / ratioSum times.
        var start = 0
        for block in trial.randomizer.blocks(stratum: stratum, count: byPosition.count) {
          guard start + block.count <= byPosition.count else { break }
          let assigned = (start..<(start + block.count)).map { byPosition[$0]! }
          for arm in trial.arms {
            #expect(
              assigned.filter { $0 == arm.code }.count
                == arm.ratio * block.count / trial.randomizer.ratioSum)
          }
          start += block.count
        }
      }

      // Nothing dated after asOf.
      let latest: CalendarDate = try c.query(
        """
        SELECT greatest(
          (SELECT max(enrolled_on) FROM registry.patient), (SELECT max(status_on) FROM registry.patient),
          (SELECT max(signed_on) FROM registry.consent), (SELECT max(withdrawn_on) FROM registry.consent),
          (SELECT max(screened_on) FROM registry.screening), (SELECT max(infused_on) FROM registry.infusion),
          (SELECT max(assessed_on) FROM registry.assessment), (SELECT max(onset_on) FROM registry.adverse_event),
          (SELECT max(resolved_on) FROM registry.adverse_event),
          (SELECT max(occurred_on) FROM registry.clinical_event),
          (SELECT max(manufactured_on) FROM registry.msc_lot)) AS d
        """
      ).rows[0].decode("d")
      #expect(latest <= Self.asOf)

      // Screen failures: about 15% of screenings, each naming its criteria.
      let screening = try c.query(
        """
        SELECT count(*) FILTER (WHERE NOT eligible)::float8 / count(*) AS share,
               bool_and(eligible = (jsonb_array_length(failed_criteria) = 0)) AS consistent
        FROM registry.screening
        """
      ).rows[0]
      #expect(try (0.07...0.25).contains(screening.decode("share") as Double))
      #expect(try screening.decode("consistent") == true)

      // Every seeded row is in the audit trail.
      for table in [
        "registry.patient", "registry.consent", "registry.allocation", "registry.screening",
        "registry.infusion", "registry.assessment", "registry.adverse_event",
        "registry.clinical_event", "registry.msc_lot",
      ] {
        let audited: Int = try c.query(
          "SELECT count(*)::int AS n FROM audit.log WHERE table_name = $1 AND action = 'INSERT'",
          [table]
        ).rows[0].decode("n")
        #expect(audited == result.counts[table], "\(table)")
      }
      let identityAudited: Int = try c.query(
        """
        SELECT count(*)::int AS n FROM identity.audit_log
        WHERE action = 'INSERT' AND table_name = 'identity.patient_identity'
        """
      ).rows[0].decode("n")
      #expect(identityAudited == 300)

      // A real enrollment continues the numbering and the allocation sequences.
      let pan = seqs["PAN"]?.count ?? 0
      let request =
        code == "SLE-UCMSC"
        ? try RegistryFixture.sleCandidate(mrn: "REAL-1", enrolledOn: "2026-11-02")
        : try RegistryFixture.aclfCandidate(mrn: "REAL-1", site: "PAN", enrolledOn: "2026-11-02")
      let enrolled = try EnrollmentService(f.registry).enroll(request)
      #expect(
        enrolled.studyID
          == Patient.studyID(prefix: trial.studyIDPrefix, site: "PAN", number: pan + 1))
      let stratum = trial.randomization?.stratumKey(siteCode: "PAN") ?? "*"
      let allocated = arms[stratum]?.count ?? 0
      #expect(enrolled.arm == trial.randomizer.arm(stratum: stratum, index: allocated).code)
    }
  }

  /// A measure set rebuilt from the stored inputs (as a monitor would recompute it).
  static func measures(_ row: PostgresRow) throws -> MeasureSet {
    func lab<K>(_ column: String, _: K.Type) throws -> LabValue<K>? {
      try (row.decode(column) as Double?).map { try LabValue<K>($0) }
    }
    let descriptors: PostgresArray<String>? = try row.decode("sledai_descriptors")
    let items: PostgresArray<String>? = try row.decode("eular_acr_items")
    let titer: Int? = try row.decode("ana_titer")
    let bilag: PostgresJSON? = try row.decode("bilag")
    let pga: Double? = try row.decode("pga")
    return MeasureSet(
      sledai2k: try descriptors.map {
        SLEDAI2K(try $0.elements.map { try SLEDAIDescriptor.parse($0!, field: "x") })
      },
      eularAcr2019: try items.map {
        try EULARACR2019(
          items: try $0.elements.map { try EULARACRItem.parse($0!, field: "x") }, anaTiter: titer)
      },
      anaTiter: titer, pga: try pga.map { try PhysicianGlobalAssessment($0) },
      bilag: try bilag.map { json in
        let grades = try json.decode([String: String].self)
        return BILAG2004(
          Dictionary(
            uniqueKeysWithValues: try grades.map {
              (
                try BILAGDomain.parse($0.key, field: "x"),
                try BILAGGrade.parse($0.value, field: "x")
              )
            }))
      },
      upcr: try lab("upcr", AnalyteTag.UPCR.self),
      creatinine: try lab("creatinine", AnalyteTag.Creatinine.self),
      c3: try lab("c3", AnalyteTag.C3.self), c4: try lab("c4", AnalyteTag.C4.self),
      antiDsDNA: try lab("anti_dsdna", AnalyteTag.AntiDsDNA.self),
      bilirubin: try lab("bilirubin", AnalyteTag.Bilirubin.self),
      inr: try lab("inr", AnalyteTag.INR.self), sodium: try lab("sodium", AnalyteTag.Sodium.self),
      albumin: try lab("albumin", AnalyteTag.Albumin.self),
      dialysis: try row.decode("dialysis") ?? false,
      ascites: try (row.decode("ascites") as String?).map { try Ascites.parse($0, field: "x") },
      encephalopathy: try (row.decode("encephalopathy") as String?).map {
        try Encephalopathy.parse($0, field: "x")
      })
  }

  /// The seeded rows as text, without generated ids and timestamps.
  static func dump(_ db: TestDatabase) throws -> [String] {
    let c = try db.connect()
    var lines: [String] = []
    for (table, order) in [
      ("registry.patient", "study_id"), ("identity.patient_identity", "study_id"),
      ("registry.consent", "study_id"), ("registry.allocation", "study_id"),
      ("registry.screening", "id"), ("registry.infusion", "id"), ("registry.assessment", "id"),
      ("registry.adverse_event", "id"), ("registry.clinical_event", "id"),
      ("registry.msc_lot", "lot_number"),
    ] {
      for row in try c.query(
        """
        SELECT (to_jsonb(t) - ARRAY['id', 'created_at', 'status_changed_at', 'protocol_id',
          'infusion_id'])::text AS j FROM \(table) t ORDER BY \(order)
        """
      ).rows {
        lines.append(table + " " + (try row.decode("j") as String))
      }
    }
    return lines
  }

  @Test func sameSeedSameRows() throws {
    let first = try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      _ = try SeedService(f.registry).seed(
        protocolCode: "ACLF-BMMSC", patients: 120, seed: 5, asOf: Self.asOf)
      return try Self.dump(db)
    }
    let second = try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      _ = try SeedService(f.registry).seed(
        protocolCode: "ACLF-BMMSC", patients: 120, seed: 5, asOf: Self.asOf)
      return try Self.dump(db)
    }
    #expect(first.count > 500)
    #expect(first == second)
  }

  @Test func failureInTheMiddleOfACopyLeavesNothing() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      struct Stop: Error {}
      // The client gives up while assessment rows stream …
      #expect(throws: Stop.self) {
        try SeedService(f.registry).seed(
          protocolCode: "SLE-UCMSC", patients: 4000, seed: 1, asOf: Self.asOf
        ) { step in
          if step.table == "registry.assessment" && step.rows >= 10_000 { throw Stop() }
        }
      }
      #expect(try f.fingerprint() == before)
      // … or the server refuses a row near the end (the last table).
      try db.connect().execute(
        "ALTER TABLE registry.clinical_event ADD CONSTRAINT test_no_death CHECK (kind <> 'death')")
      #expect(throws: RegistryError.self) {
        try SeedService(f.registry).seed(
          protocolCode: "ACLF-BMMSC", patients: 300, seed: 1, asOf: Self.asOf)
      }
      #expect(try f.fingerprint() == before)
    }
  }

  @Test func refusals() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let service = SeedService(f.registry)
      _ = try EnrollmentService(f.registry).enroll(RegistryFixture.sleCandidate(mrn: "M-1"))
      let before = try f.fingerprint()
      func kind(_ body: () throws -> Void) -> RegistryError.Kind? {
        do { try body() } catch let e as RegistryError { return e.kind } catch { return nil }
        return nil
      }
      #expect(
        kind { _ = try service.seed(protocolCode: "NOPE", patients: 10, seed: 1) } == .notFound)
      #expect(
        kind {
          _ = try service.seed(protocolCode: "ACLF-BMMSC", patients: 10, seed: 1, sites: ["XXX"])
        } == .notFound)
      #expect(
        kind {
          _ = try service.seed(
            protocolCode: "ACLF-BMMSC", patients: 10_000, seed: 1, sites: ["PAN"])
        } == .refused)
      #expect(try f.fingerprint() == before)
      // Chosen sites only.
      let result = try service.seed(
        protocolCode: "ACLF-BMMSC", patients: 40, seed: 1, asOf: Self.asOf, sites: ["GZU"])
      #expect(result.sites == ["GZU"])
      let sites: [String] = try db.connect().query(
        "SELECT DISTINCT site_code FROM registry.patient WHERE protocol_code = 'ACLF-BMMSC'"
      ).rows.map { try $0.decode("site_code") }
      #expect(sites == ["GZU"])
    }
  }

  @Test func aCohortAppendedToRealEnrollmentsContinuesTheirNumberingAndBlocks() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let enroll = EnrollmentService(f.registry)
      let first = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "REAL-1", site: "PAN"))
      #expect(first.studyID == "SLE-PAN-0001")
      // A protocol with a real patient is refused unless forced, and nothing is written.
      let before = try f.fingerprint()
      #expect(throws: RegistryError.self) {
        try SeedService(f.registry).seed(
          protocolCode: "SLE-UCMSC", patients: 60, seed: 11, asOf: Self.asOf, sites: ["PAN", "BOG"])
      }
      #expect(try f.fingerprint() == before)
      _ = try SeedService(f.registry).seed(
        protocolCode: "SLE-UCMSC", patients: 60, seed: 11, asOf: Self.asOf, sites: ["PAN", "BOG"],
        force: true)
      let next = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "REAL-2", site: "PAN"))
      let c = try db.connect()
      let ids: [String] = try c.query(
        "SELECT study_id FROM registry.patient WHERE site_code = 'PAN' ORDER BY study_id"
      ).rows.map { try $0.decode("study_id") }
      #expect(ids == (1...ids.count).map { String(format: "SLE-PAN-%04d", $0) })
      #expect(ids.last == next.studyID)
      // Allocations at PAN follow the one seeded block sequence from position 0.
      let arms: [String] = try c.query(
        "SELECT arm FROM registry.allocation WHERE stratum = 'PAN' ORDER BY position"
      ).rows.map { try $0.decode("arm") }
      let trial = try ProtocolService(f.registry).show(code: "SLE-UCMSC").trial
      #expect(arms == trial.randomizer.sequence(stratum: "PAN", count: arms.count).map(\.code))
    }
  }
}
