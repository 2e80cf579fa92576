import Foundation
import PostgresClient
import TestSupport
import Testing

/// Synthetic cohorts (`demo seed`) are marked in the database; a seed refuses a protocol that
/// holds real patients unless `--force`; listings, reports and exports say when synthetic
/// patients are included and leave them out with `--exclude-synthetic`.
@Suite(.blocking) struct SyntheticCLITests {
  static let seed = [
    "demo", "seed", "--protocol", "SLE-UCMSC", "--patients", "24", "--seed", "5", "--as-of",
    "2026-10-01",
  ]

  func count(_ sql: String, _ db: TestDatabase) throws -> Int {
    try db.connect().query(sql).rows[0].decode(at: 0)
  }

  @Test func seedMarksItsPatientsAndRefusesAProtocolWithRealPatientsUnlessForced() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)  // two real SLE-UCMSC patients, at PAN and BOG
      let before = try s.f.fingerprint()
      let refused = try CLIRunner.run(Self.seed, database: db)
      #expect(refused.status == 65)
      #expect(
        refused.stderr.hasPrefix("error: --protocol: SLE-UCMSC holds 2 real patients"),
        "\(refused.stderr)")
      #expect(refused.stderr.contains("--force"))
      #expect(refused.stderr.split(separator: "\n").count == 1)
      #expect(try s.f.fingerprint() == before, "a refused seed writes nothing")

      // A protocol without real patients is seeded, and again (only synthetic patients).
      let aclf = [
        "demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "10", "--as-of", "2026-10-01",
      ]
      #expect(try CLIRunner.run(aclf, database: db).status == 0)
      let second = try CLIRunner.run(aclf + ["--seed", "2"], database: db)
      #expect(second.status == 0, "\(second.stderr)")

      let forced = try CLIRunner.run(Self.seed + ["--force"], database: db)
      #expect(forced.status == 0, "\(forced.stderr)")
      #expect(
        try count(
          "SELECT count(*)::int FROM registry.patient WHERE protocol_code = 'SLE-UCMSC' AND synthetic",
          db) == 24)
      #expect(
        try count("SELECT count(*)::int FROM registry.patient WHERE NOT synthetic", db) == 2,
        "real patients stay unmarked")
      #expect(
        try count("SELECT count(*)::int FROM registry.patient WHERE synthetic", db) == 44)
      #expect(
        try count(
          "SELECT count(*)::int FROM registry.screening WHERE NOT synthetic", db) == 2,
        "only the real patients' screenings are unmarked")
      // Real enrollments after a seed stay unmarked.
      let enrolled = try s.cli(s.coordinatorPAN, sleEnrollArguments(mrn: "REAL-AFTER-SEED"))
      #expect(enrolled.status == 0, "\(enrolled.stderr)")
      #expect(try count("SELECT count(*)::int FROM registry.patient WHERE NOT synthetic", db) == 3)
    }
  }

  @Test func listingsReportsAndExportsSayWhenSyntheticPatientsAreIncluded() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      #expect(try CLIRunner.run(Self.seed + ["--force"], database: db).status == 0)

      // patient list, as an investigator of PAN.
      let list = try s.cli(s.investigatorPAN, ["patient", "list", "--protocol", "SLE-UCMSC"])
      #expect(list.status == 0, "\(list.stderr)")
      #expect(
        list.stdout.contains("are synthetic (demo seed); --exclude-synthetic leaves them out"))
      let json = try s.cli(
        s.investigatorPAN, ["patient", "list", "--protocol", "SLE-UCMSC", "--format", "json"])
      let rows = try #require(
        try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
      #expect(rows.contains { $0["synthetic"] as? Bool == true })
      #expect(
        rows.filter { $0["synthetic"] as? Bool == false }.map { $0["study_id"] as? String } == [
          s.panPatient
        ])
      let real = try s.cli(
        s.investigatorPAN,
        ["patient", "list", "--protocol", "SLE-UCMSC", "--format", "json", "--exclude-synthetic"])
      let realRows = try #require(
        try JSONSerialization.jsonObject(with: Data(real.stdout.utf8)) as? [[String: Any]])
      #expect(realRows.map { $0["study_id"] as? String } == [s.panPatient])
      let realText = try s.cli(
        s.investigatorPAN, ["patient", "list", "--protocol", "SLE-UCMSC", "--exclude-synthetic"])
      #expect(realText.stdout.contains("synthetic patients (demo seed) excluded"))
      #expect(!realText.stdout.contains("SLE-BOG"))

      // report cohort, as a monitor: JSON key, text and HTML line, CSV column.
      func report(_ format: String, _ extra: [String] = []) throws -> String {
        let r = try s.cli(
          s.monitor, ["report", "cohort", "--protocol", "SLE-UCMSC", "--format", format] + extra)
        #expect(r.status == 0, "\(format): \(r.stderr)")
        return r.stdout
      }
      let included = try #require(
        try JSONSerialization.jsonObject(with: Data(report("json").utf8)) as? [String: Any])
      #expect(included["synthetic_included"] as? Bool == true)
      #expect(included["synthetic_excluded"] as? Bool == false)
      let excluded = try #require(
        try JSONSerialization.jsonObject(
          with: Data(report("json", ["--exclude-synthetic"]).utf8)) as? [String: Any])
      #expect(excluded["synthetic_included"] as? Bool == false)
      #expect(excluded["synthetic_excluded"] as? Bool == true)
      let flow = try #require(excluded["flow"] as? [String: Any])
      #expect(flow["enrolled"] as? Int == 2, "only the two real patients")
      #expect(flow["screened"] as? Int == 2, "the seed's screenings are left out too")
      #expect(try report("text").contains("Synthetic patients (demo seed): INCLUDED"))
      #expect(
        try report("text", ["--exclude-synthetic"]).contains(
          "Synthetic patients (demo seed): excluded"))
      #expect(try report("html").contains("Synthetic patients"))
      let csv = try report("csv").split(whereSeparator: \.isNewline)
      #expect(csv.first?.hasSuffix(",synthetic_included") == true)
      #expect(csv.dropFirst().allSatisfy { $0.hasSuffix(",true") })

      // The de-identified export, as a monitor.
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("syn-\(UUID())")
      defer { try? FileManager.default.removeItem(at: dir) }
      let export = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--output",
          dir.appendingPathComponent("all").path,
        ])
      #expect(export.status == 0, "\(export.stderr)")
      #expect(export.stdout.contains("24 of 26 patients are synthetic"), "\(export.stdout)")
      let patients = try String(
        contentsOf: dir.appendingPathComponent("all/patients.csv"), encoding: .utf8
      ).components(separatedBy: "\r\n").filter { !$0.isEmpty }
      #expect(patients.first?.hasSuffix(",synthetic") == true)
      #expect(patients.filter { $0.hasSuffix(",true") }.count == 24)
      let realExport = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--exclude-synthetic", "--output",
          dir.appendingPathComponent("real").path,
        ])
      #expect(realExport.status == 0, "\(realExport.stderr)")
      #expect(realExport.stdout.contains("synthetic patients (demo seed) excluded"))
      let realPatients = try String(
        contentsOf: dir.appendingPathComponent("real/patients.csv"), encoding: .utf8
      ).components(separatedBy: "\r\n").filter { !$0.isEmpty }
      #expect(realPatients.count == 3, "header and the two real patients")
      #expect(realPatients.dropFirst().allSatisfy { $0.hasSuffix(",false") })
    }
  }
}
