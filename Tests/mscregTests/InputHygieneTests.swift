import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 11, items 8 and 9, through the CLI against a real database under the roles that run
/// each flow: coordinators enroll, import and record adverse events; investigators and
/// monitors list and export.
@Suite(.blocking) struct InputHygieneTests {
  static func writeFile(_ text: String, _ name: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(UUID().uuidString)-\(name)")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  static let importHeader =
    "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,sledai_descriptors,eular_acr_items,ana_titer,pga\n"
  static func importRow(mrn: String, given: String = "Ana", consent: String = "2.1") -> String {
    "\(mrn),\(given),Pérez,1990-04-02,F,\(consent),2026-05-20,2026-06-01,"
      + "\"arthritis,rash,low_complement,proteinuria\",\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5\n"
  }

  @Test func lookAlikeMRNsHitTheDuplicateRule() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let c = s.coordinatorPAN
      let first = try s.cli(c, sleEnrollArguments(mrn: "123457"))
      #expect(first.status == 0, "\(first.stderr)")
      let before = try s.f.fingerprint()
      for twin in ["１２３４５７", "\u{2060}123457", " 123457\u{FEFF}", "\u{200B}１２３４５７"] {
        let again = try s.cli(c, sleEnrollArguments(mrn: twin))
        #expect(again.status == 65, "\(twin.unicodeScalars.map(\.value)): \(again.stderr)")
        #expect(again.stderr.hasPrefix("error: --mrn: this MRN is already enrolled"))
        #expect(again.stderr.split(separator: "\n").count == 1 && again.stdout.isEmpty)
        let file = try Self.writeFile(Self.importHeader + Self.importRow(mrn: twin), "twin.csv")
        let imported = try s.cli(
          c, ["patient", "import", file, "--protocol", "SLE-UCMSC", "--site", "PAN"])
        #expect(imported.status == 65, "\(imported.stderr)")
        #expect(imported.stderr.contains("mrn") && imported.stderr.contains("already enrolled"))
      }
      #expect(try s.f.fingerprint() == before)
      // Stored in the normal form, and the database refuses any other.
      let enrolled = try s.cli(c, sleEnrollArguments(mrn: "ＡＢ-９\u{200B}"))
      #expect(enrolled.status == 0, "\(enrolled.stderr)")
      let admin = try db.connect()
      try admin.execute("SELECT set_config('mscreg.reason', 'normal form test', false)")
      let mrns = try admin.query(
        "SELECT mrn FROM identity.patient_identity WHERE mrn IN ('123457', 'AB-9')"
      ).rows.map { (try? $0.decode("mrn") as String) ?? "" }
      #expect(Set(mrns) == ["123457", "AB-9"])
      for raw in ["１２３", "\u{2060}123", " 123", "12\u{00AD}3"] {
        do {
          try admin.query(
            "UPDATE identity.patient_identity SET mrn = $1 WHERE mrn = '123457'", [raw])
          Issue.record("the database stored \(raw.unicodeScalars.map(\.value))")
        } catch let error as PostgresError {
          #expect(error.constraint == "identity_mrn_normalized", "\(error)")
        }
      }
    }
  }

  /// Migration 0050 on a registry holding MRNs from before it: normalized with an audited
  /// reason, then held to the form; two rows that would collide stop it, naming study IDs.
  @Test func migration0050NormalizesStoredMRNs() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let file = TestDatabase.repositoryRoot.appendingPathComponent(
        "sql/migrations/0050_mrn_normal_form.sql")
      let sql = try String(contentsOf: file, encoding: .utf8)
      let c = try db.connect()
      try c.execute(
        """
        SELECT set_config('mscreg.reason', 'test: MRNs as stored before 0050', false);
        ALTER TABLE identity.patient_identity DROP CONSTRAINT identity_mrn_normalized;
        """)
      try c.query(
        "UPDATE identity.patient_identity SET mrn = $1 WHERE study_id = $2",
        ["\u{2060}ＳＥＣ-PAN ", s.panPatient])
      try c.execute("SELECT set_config('mscreg.reason', '', false)")
      let auditBefore: Int = try c.query("SELECT count(*)::int AS n FROM identity.audit_log")
        .rows[0].decode("n")
      _ = try c.transaction { tx in try tx.execute(sql) }
      let mrn: String = try c.query(
        "SELECT mrn FROM identity.patient_identity WHERE study_id = $1", [s.panPatient]
      ).rows[0].decode("mrn")
      #expect(mrn == "SEC-PAN")
      let audit = try c.query(
        "SELECT reason FROM identity.audit_log WHERE id > $1", [auditBefore]
      ).rows.map { (try? $0.decode("reason") as String) ?? "" }
      #expect(audit.count == 1 && audit[0].hasPrefix("migration 0050"))
      let checks: Int = try c.query(
        "SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'identity_mrn_normalized'"
      ).rows[0].decode("n")
      #expect(checks == 1)

      // Two patients whose MRNs are one once normalized: the migration stops, nothing changes.
      try c.execute(
        """
        SELECT set_config('mscreg.reason', 'test: look-alike MRNs before 0050', false);
        ALTER TABLE identity.patient_identity DROP CONSTRAINT identity_mrn_normalized;
        """)
      try c.query(
        "UPDATE identity.patient_identity SET mrn = $1 WHERE study_id = $2",
        ["ＳＥＣ-PAN", s.bogPatient])
      do {
        _ = try c.transaction { tx in try tx.execute(sql) }
        Issue.record("the migration merged two patients' MRNs")
      } catch let error as PostgresError {
        #expect(error.message.contains(s.panPatient) && error.message.contains(s.bogPatient))
        #expect(!error.message.contains("SEC-PAN"))
      }
    }
  }

  @Test func controlAndBidiCharactersAreRefusedOnEveryInputPath() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let c = s.coordinatorPAN
      let before = try s.f.fingerprint()
      func refused(_ args: [String], _ field: String) throws {
        let r = try s.cli(c, args)
        #expect(r.status == 65, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: \(field): must not contain"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
      }
      func with(_ option: String, _ value: String) -> [String] {
        var args = sleEnrollArguments(mrn: "HYG-1")
        args[args.firstIndex(of: option)! + 1] = value
        return args
      }
      try refused(with("--consent-version", "2.1\u{202E}"), "--consent-version")
      try refused(with("--given", "An\u{2066}a"), "--given")
      try refused(with("--family", "P\u{85}rez"), "--family")
      try refused(with("--mrn", "HYG\u{202D}-1"), "--mrn")
      try refused(
        [
          "ae", "add", s.panPatient, "--term", "rash\u{2067}", "--grade", "1", "--relatedness",
          "unrelated", "--onset", "2026-06-10",
        ], "--term")
      try refused(
        ["patient", "withdraw", s.panPatient, "--reason", "moved\naway"], "--reason")
      try refused(["site", "add", "NEW", "--name", "Pan\u{202E}ama"], "--name")
      // The import file: the same rule, naming the line and the column.
      for (row, column) in [
        (Self.importRow(mrn: "HYG-2", given: "An\u{202E}a"), "given"),
        (Self.importRow(mrn: "HYG-3", consent: "2.1\u{9B}"), "consent_version"),
        (Self.importRow(mrn: "HYG\u{2069}-4"), "mrn"),
      ] {
        let file = try Self.writeFile(Self.importHeader + row, "bidi.csv")
        let r = try s.cli(
          c, ["patient", "import", file, "--protocol", "SLE-UCMSC", "--site", "PAN"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: line 2, \(column): must not contain"), "\(r.stderr)")
      }
      #expect(try s.f.fingerprint() == before)
    }
  }

  @Test func everyCSVNeutralizesFormulasAndKeepsNumbers() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let formula = #"=HYPERLINK("http://x")"#
      var args = sleEnrollArguments(mrn: "CSV-1")
      args[args.firstIndex(of: "--consent-version")! + 1] = formula
      let enrolled = try s.cli(s.coordinatorPAN, args)
      #expect(enrolled.status == 0, "\(enrolled.stderr)")
      let id = String(enrolled.stdout.split(separator: " ").first { $0.hasPrefix("SLE-") } ?? "")
      let ae = try s.cli(
        s.coordinatorPAN,
        [
          "ae", "add", s.panPatient, "--term", "@SUM(1+1)*cmd|' /C calc'!A0", "--grade", "1",
          "--relatedness", "unrelated", "--onset", "2026-06-10",
        ])
      #expect(ae.status == 0, "\(ae.stderr)")

      // De-identified export, by the monitor: the consent version is text, the days numbers.
      let out = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
      defer { try? FileManager.default.removeItem(at: out) }
      let export = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "csv", "--output",
          out.path,
        ])
      #expect(export.status == 0, "\(export.stderr)")
      let consents = try String(
        contentsOf: out.appendingPathComponent("consents.csv"), encoding: .utf8)
      #expect(consents.contains(#""'=HYPERLINK(""http://x"")""#), "\(consents)")
      #expect(!consents.contains(",=") && !consents.contains(",\"="))
      // signed 2026-05-20, enrolled 2026-06-01: day −12 stays a number.
      #expect(consents.contains(",-12,"), "\(consents)")

      // `ae list --format csv`, by the investigator of the site.
      let list = try s.cli(s.investigatorPAN, ["ae", "list", s.panPatient, "--format", "csv"])
      #expect(list.status == 0, "\(list.stderr)")
      #expect(list.stdout.contains(",'@SUM(1+1)*cmd|' /C calc'!A0,"), "\(list.stdout)")
      // `patient list --format csv` and the report's CSV go through the same cell rule.
      let patients = try s.cli(s.investigatorPAN, ["patient", "list", "--format", "csv"])
      #expect(patients.status == 0 && patients.stdout.contains(id), "\(patients.stderr)")
      let report = try s.cli(
        s.monitor,
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--format", "csv"])
      #expect(report.status == 0, "\(report.stderr)")
      let due = try s.cli(
        s.investigatorPAN, ["visits", "due", "--protocol", "SLE-UCMSC", "--format", "csv"])
      #expect(due.status == 0, "\(due.stderr)")
      let lots = try s.cli(s.monitor, ["lot", "list", "--format", "csv"])
      #expect(lots.status == 0, "\(lots.stderr)")
      let all = [patients, report, due, lots].map(\.stdout).joined()
      for line in all.split(whereSeparator: \.isNewline) {
        for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
          if let first = cell.first, "=+@\t\r".contains(first) { Issue.record("live cell \(cell)") }
        }
      }
    }
  }

  /// Complementary suppression on a real registry, read by the monitor in every format:
  /// three patients at GZU under the flow's total, so that 11 − 4 − 4 would have given GZU.
  @Test func noSuppressedCountIsRecoverableFromTheCLIReport() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let enroll = EnrollmentService(s.f.registry)
      // PAN and BOG hold one patient each already (SecuredRegistry).
      for i in 0..<5 {
        _ = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "MC-PAN-\(i)", site: "PAN"))
        _ = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "MC-BOG-\(i)", site: "BOG"))
      }
      for i in 0..<3 {
        _ = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "MC-GZU-\(i)", site: "GZU"))
      }
      let base = ["report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--min-cell", "5"]
      let json = try s.cli(s.monitor, base + ["--format", "json"])
      #expect(json.status == 0, "\(json.stderr)")
      let report = try JSONDecoder().decode(CohortReport.self, from: Data(json.stdout.utf8))
      #expect(report.flow.enrolled == 15)
      let gzu = try #require(report.groups.first { $0.group == "GZU" })
      #expect(gzu.enrolled == nil)
      // Every sum of the report: the flow against the sites, and within each site.
      var sums: [(total: Int?, parts: [Int?])] = [
        (report.flow.enrolled, report.groups.map(\.enrolled)),
        (report.flow.treated, report.groups.map(\.treated)),
        (report.flow.withdrawn, report.groups.map(\.withdrawn)),
        (report.flow.enrolled, report.flow.allocated.values.map { $0 }),
        (report.flow.analysed, [report.flow.enrolled]),
      ]
      for g in report.groups {
        let ae = g.adverseEvents
        sums.append((ae.patientsAny, (1...5).map { ae.worstGrade[String($0)] ?? nil }))
        for case .survival(let x) in g.endpoints { sums.append((g.enrolled, [x.patients])) }
      }
      for (total, parts) in sums {
        let withheld = ([total] + parts).filter { $0 == nil }.count
        #expect(withheld != 1, "one withheld count in \(String(describing: total)) = \(parts)")
      }
      // The same cells are withheld in text, CSV and HTML.
      let text = try s.cli(s.monitor, base)
      #expect(text.stdout.contains("<5") && text.stdout.contains("≥5"), "\(text.stdout)")
      let csv = try s.cli(s.monitor, base + ["--format", "csv"])
      let gzuRow = try #require(
        csv.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("GZU,") })
      #expect(gzuRow.hasPrefix("GZU,<5,"))
      #expect(csv.stdout.contains("≥5"))
      let html = try s.cli(s.monitor, base + ["--format", "html"])
      #expect(html.stdout.contains(#"<td class="mark">≥5</td>"#))
    }
  }
}
