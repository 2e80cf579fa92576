import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 12 intake rules end to end, as a site coordinator: EULAR/ACR classification as an
/// eligibility rule, missing measures refused without a screening row, MELD 3.0's adolescent
/// term, negative and unit-suffixed measures.
struct IntakeRegistry {
  let f: RegistryFixture
  let db: TestDatabase
  let coordinator: String

  init(_ db: TestDatabase) throws {
    self.db = db
    f = try RegistryFixture(db)
    coordinator = db.userName("coord")
    _ = try UserService(f.registry).add(
      name: coordinator, role: .coordinator, sites: ["PAN", "GZU"])
  }

  /// Runs the CLI as the coordinator.
  func cli(_ arguments: [String]) throws -> CLIResult {
    try CLIRunner.run(
      arguments, environment: ["MSCREG_DATABASE": try db.conninfo(asUser: coordinator)])
  }

  func count(_ table: String) throws -> Int {
    try db.connect().query("SELECT count(*)::int AS n FROM \(table)").rows[0].decode("n")
  }

  /// `patient enroll` for SLE-UCMSC with the given SLE measures (SLEDAI-2K 12 by default).
  func enrollSLE(
    mrn: String, items: String?, titer: String?,
    sledai: String? = "arthritis,rash,low_complement,proteinuria"
  ) throws -> CLIResult {
    var args = [
      "patient", "enroll", "--protocol", "SLE-UCMSC", "--site", "PAN", "--mrn", mrn, "--given",
      "Ana", "--family", "Pérez", "--birth-date", "1990-04-02", "--sex", "F",
      "--consent-version", "2.1", "--consent-date", "2026-05-20", "--enrolled-on", "2026-06-01",
    ]
    if let sledai { args += ["--sledai-descriptors", sledai] }
    if let items { args += ["--eular-acr-items", items] }
    if let titer { args += ["--ana-titer", titer] }
    return try cli(args)
  }
}

@Suite(.blocking) struct IntakeRulesCLITests {
  @Test func sleEligibilityMeansEULARACRClassification() throws {
    try TestDatabase.with { db in
      let r = try IntakeRegistry(db)
      let items = "joint_involvement,anti_dsdna_or_anti_sm"
      let cases: [(String, String?, String?, String)] = [
        ("A1", items, "40", "eular_acr_2019: entry criterion not met (ANA 1:40 < 1:80)"),
        ("A2", items, "0", "eular_acr_2019: entry criterion not met (ANA 1:0 < 1:80)"),
        ("A3", items, nil, "eular_acr_2019: entry criterion not met (ANA titer not recorded)"),
        (
          "A4", "low_c3_and_c4,anti_dsdna_or_anti_sm", "160",
          "eular_acr_2019: no clinical criterion"
        ),
        ("A5", "joint_involvement,fever", "160", "eular_acr_2019: 8 < 10"),
      ]
      var screened = try r.count("registry.screening")
      for (mrn, list, titer, failure) in cases {
        let result = try r.enrollSLE(mrn: mrn, items: list, titer: titer)
        #expect(result.status == 65, "\(mrn): \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: eligibility:"), "\(result.stderr)")
        #expect(result.stderr.contains(failure), "\(mrn): \(result.stderr)")
        screened += 1
        #expect(try r.count("registry.screening") == screened)
        // The bedside calculator says the same.
        var score = ["score", "eular-acr", "--eular-acr-items", list ?? ""]
        if let titer { score += ["--ana-titer", titer] }
        let calculator = try r.cli(score)
        #expect(calculator.status == 0)
        let reason = String(failure.dropFirst("eular_acr_2019: ".count))
        #expect(
          calculator.stdout.hasPrefix("2019 EULAR/ACR")
            && calculator.stdout.contains(
              "not classified as SLE (\(reason))"),
          "\(calculator.stdout)")
      }
      #expect(try r.count("registry.patient") == 0)
      // The entry criterion's edge, 1:80, is inside.
      let edge = try r.enrollSLE(mrn: "A6", items: items, titer: "80")
      #expect(edge.status == 0, "\(edge.stderr)")
      #expect(try r.count("registry.patient") == 1)
      let classified = try r.cli(
        ["score", "eular-acr", "--eular-acr-items", items, "--ana-titer", "80"])
      #expect(classified.stdout.hasPrefix("2019 EULAR/ACR 12: classified as SLE"))
    }
  }

  @Test func aScreeningWithoutAMeasureACriterionNeedsIsRefusedAndNotLogged() throws {
    try TestDatabase.with { db in
      let r = try IntakeRegistry(db)
      let before = try r.f.fingerprint()
      let noSledai = try r.enrollSLE(
        mrn: "M1", items: "joint_involvement,anti_dsdna_or_anti_sm", titer: "160", sledai: nil)
      #expect(noSledai.status == 65)
      #expect(
        noSledai.stderr.hasPrefix(
          "error: --sledai-descriptors: required by eligibility criterion sledai_2k"),
        "\(noSledai.stderr)")
      let noItems = try r.enrollSLE(mrn: "M2", items: nil, titer: "160")
      #expect(noItems.status == 65)
      #expect(
        noItems.stderr.hasPrefix(
          "error: --eular-acr-items: required by eligibility criterion eular_acr_2019"))
      let noINR = try r.cli([
        "patient", "enroll", "--protocol", "ACLF-BMMSC", "--site", "GZU", "--mrn", "M3",
        "--given", "Li", "--family", "Wei", "--birth-date", "1975-01-20", "--sex", "M",
        "--consent-version", "1.0", "--consent-date", "2026-05-31", "--enrolled-on", "2026-06-01",
        "--creatinine", "1.4", "--bilirubin", "8.5", "--sodium", "132",
      ])
      #expect(noINR.status == 65)
      #expect(
        noINR.stderr.hasPrefix("error: --inr: required by eligibility criterion meld"),
        "\(noINR.stderr)")
      // Nothing written: no screen failure counted, no audit row.
      #expect(try r.f.fingerprint() == before)
      // With the INR, the same candidate is screened (and enrolled).
      let withINR = try r.cli([
        "patient", "enroll", "--protocol", "ACLF-BMMSC", "--site", "GZU", "--mrn", "M3",
        "--given", "Li", "--family", "Wei", "--birth-date", "1975-01-20", "--sex", "M",
        "--consent-version", "1.0", "--consent-date", "2026-05-31", "--enrolled-on", "2026-06-01",
        "--creatinine", "1.4", "--bilirubin", "8.5", "--sodium", "132", "--inr", "1.9",
      ])
      #expect(withINR.status == 0, "\(withINR.stderr)")
    }
  }

  @Test func patientImportAppliesTheSameRules() throws {
    try TestDatabase.with { db in
      let r = try IntakeRegistry(db)
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
        "intake-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: dir) }
      let header =
        "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,site,"
        + "sledai_descriptors,eular_acr_items,ana_titer\n"
      let good = "I1,Ana,Ruiz,1990-04-02,F,1.0,2026-05-20,2026-06-01,PAN,arthritis;rash,,\n"
      func file(_ name: String, _ rows: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try (header + rows).write(to: url, atomically: true, encoding: .utf8)
        return url.path
      }
      let row1 =
        "I1,Ana,Ruiz,1990-04-02,F,1.0,2026-05-20,2026-06-01,PAN,\"arthritis,rash,low_complement,proteinuria\","
        + "\"joint_involvement,anti_dsdna_or_anti_sm\",160\n"
      let lowTiter =
        "I2,Eva,Soto,1991-04-02,F,1.0,2026-05-20,2026-06-01,PAN,\"arthritis,rash,low_complement,proteinuria\","
        + "\"joint_involvement,anti_dsdna_or_anti_sm\",40\n"
      let noSledai =
        "I3,Eva,Soto,1991-04-02,F,1.0,2026-05-20,2026-06-01,PAN,,"
        + "\"joint_involvement,anti_dsdna_or_anti_sm\",160\n"
      _ = good
      let before = try r.f.fingerprint()
      let titer = try r.cli(
        ["patient", "import", try file("titer.csv", row1 + lowTiter), "--protocol", "SLE-UCMSC"])
      #expect(titer.status == 65)
      #expect(titer.stderr.hasPrefix("error: line 3, eligibility:"), "\(titer.stderr)")
      #expect(titer.stderr.contains("eular_acr_2019: entry criterion not met (ANA 1:40 < 1:80)"))
      let missing = try r.cli(
        ["patient", "import", try file("missing.csv", row1 + noSledai), "--protocol", "SLE-UCMSC"])
      #expect(missing.status == 65)
      #expect(
        missing.stderr.hasPrefix(
          "error: line 3, sledai_descriptors: required by eligibility criterion sledai_2k"),
        "\(missing.stderr)")
      #expect(try r.f.fingerprint() == before)
      let fine = try r.cli(
        ["patient", "import", try file("fine.csv", row1), "--protocol", "SLE-UCMSC"])
      #expect(fine.status == 0, "\(fine.stderr)")
    }
  }

  @Test func meld3AdolescentTermOnTheCalculator() throws {
    let labs = [
      "--bilirubin", "12", "--sodium", "120", "--inr", "0.9", "--creatinine", "4.5", "--albumin",
      "3.5",
    ]
    func score(_ sex: String, _ age: String?) throws -> CLIResult {
      try CLIRunner.run(
        ["score", "meld3", "--sex", sex] + (age.map { ["--age", $0] } ?? []) + labs)
    }
    for (sex, age, expected) in [
      ("M", "15", "34"), ("M", "12", "34"), ("M", "17", "34"), ("M", "18", "32"), ("M", nil, "32"),
      ("F", "18", "34"), ("F", "15", "34"),
    ] {
      let result = try score(sex, age)
      #expect(result.status == 0)
      #expect(result.stdout.hasPrefix("MELD 3.0 \(expected)\n"), "\(sex) \(age ?? "-")")
    }
    let child = try score("M", "11")
    #expect(child.status == 65)
    #expect(child.stderr.hasPrefix("error: --age: MELD 3.0 is used from age 12"))
  }

  @Test func meld3EligibilityAgreesWithTheCalculator() throws {
    try TestDatabase.with { db in
      let r = try IntakeRegistry(db)
      let text = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("aclf-bmmsc.yaml"),
        encoding: .utf8)
      let yaml =
        text
        .replacingOccurrences(of: "code: ACLF-BMMSC", with: "code: ACLF-TEEN")
        .replacingOccurrences(of: "study_id_prefix: ACLF", with: "study_id_prefix: TEEN")
        .replacingOccurrences(
          of: "age_years: {min: 18, max: 70}", with: "age_years: {min: 0, max: 70}"
        )
        .replacingOccurrences(of: "meld: {min: 17, max: 30}", with: "meld_3: {min: 33}")
      let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "teen-\(UUID().uuidString).yaml")
      try yaml.write(to: url, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(at: url) }
      _ = try ProtocolService(r.f.registry).load(file: url)
      // Enrolled 2026-06-01; birth dates giving ages 11, 12, 17 and 18 on that day.
      func enroll(_ mrn: String, born: String) throws -> CLIResult {
        try r.cli([
          "patient", "enroll", "--protocol", "ACLF-TEEN", "--site", "GZU", "--mrn", mrn,
          "--given", "Li", "--family", "Wei", "--birth-date", born, "--sex", "M",
          "--consent-version", "1.0", "--consent-date", "2026-05-31", "--enrolled-on",
          "2026-06-01", "--bilirubin", "12", "--sodium", "120", "--inr", "0.9", "--creatinine",
          "4.5", "--albumin", "3.5",
        ])
      }
      let eleven = try enroll("T11", born: "2014-06-02")
      #expect(eleven.status == 65)
      #expect(eleven.stderr.contains("meld_3: not applicable at age 11"), "\(eleven.stderr)")
      #expect(try enroll("T12", born: "2014-06-01").status == 0)
      #expect(try enroll("T17", born: "2008-06-02").status == 0)
      let adult = try enroll("T18", born: "2008-06-01")
      #expect(adult.status == 65)
      #expect(adult.stderr.contains("meld_3: 32 is outside ≥ 33"), "\(adult.stderr)")
      #expect(try r.count("registry.screening") == 4)
      #expect(try r.count("registry.patient") == 2)
    }
  }

  @Test func negativeNonNumericAndMilliequivalentMeasures() throws {
    let base = ["score", "meld-na", "--bilirubin", "4.2", "--inr", "1.2", "--sodium", "125"]
    for form in [["--creatinine", "-0.5"], ["--creatinine=-0.5"]] {
      let result = try CLIRunner.run(base + form)
      #expect(result.status == 65, "\(form): \(result.stderr)")
      #expect(
        result.stderr.hasPrefix("error: --creatinine: creatinine must not be negative (got -0.5"),
        "\(result.stderr)")
    }
    let text = try CLIRunner.run(base + ["--creatinine", "abc"])
    #expect(text.status == 65)
    #expect(text.stderr.hasPrefix("error: --creatinine:"))
    let mmol = try CLIRunner.run(
      [
        "score", "meld-na", "--bilirubin", "4.2", "--inr", "1.2", "--creatinine", "1.9",
        "--sodium", "125", "--format", "json",
      ])
    let meq = try CLIRunner.run(
      [
        "score", "meld-na", "--bilirubin", "4.2", "--inr", "1.2", "--creatinine", "1.9",
        "--sodium", "125mEq/L", "--format", "json",
      ])
    #expect(meq.status == 0, "\(meq.stderr)")
    let a = try JSONDecoder().decode(JSONAny.self, from: Data(mmol.stdout.utf8))
    let b = try JSONDecoder().decode(JSONAny.self, from: Data(meq.stdout.utf8))
    #expect(a["score"]?.number == 28 && b["score"]?.number == 28)
    #expect(b["inputs"]?["sodium"]?["value"]?.number == 125)
    #expect(b["inputs"]?["sodium"]?["unit"]?.string == "mmol/L")
    #expect(b["inputs"]?["sodium"]?["entered"]?["unit"]?.string == "mEq/L")
    #expect(a["inputs"]?["inr"]?["unit"]?.string == "")
  }
}
