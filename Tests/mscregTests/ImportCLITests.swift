import Foundation
import TestSupport
import Testing

/// A screening list for `patient import` (SLE-UCMSC, every row eligible unless `lines`
/// replaces one), with the site in a column.
func sleImportFile(
  rows: Int, mrnPrefix: String = "IMP-", sites: [String] = ["PAN", "BOG"],
  replacing lines: [Int: String] = [:]
) throws -> URL {
  var text =
    "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,site,"
    + "sledai_descriptors,eular_acr_items,ana_titer,pga\n"
  for i in 0..<rows {
    let line = i + 2
    text +=
      lines[line]
      ?? ("\(mrnPrefix)\(i),Given\(i),Family\(i),1990-04-02,F,2.1,2026-05-20,2026-06-01,"
        + "\(sites[i % sites.count]),\"arthritis,rash,low_complement,proteinuria\","
        + "\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5")
    text += "\n"
  }
  let file = FileManager.default.temporaryDirectory.appendingPathComponent(
    "import-\(UUID().uuidString).csv")
  try text.write(to: file, atomically: true, encoding: .utf8)
  return file
}

@Suite(.blocking) struct ImportCLITests {
  @Test func importPrintsEachStudyIDAndArmAndAuditsEveryRow() throws {
    try TestDatabase.with { db in
      // Imported by a coordinator (of PAN and BOG, the list's sites), verified by the monitor.
      let f = try RegistryFixture(db)
      let file = try sleImportFile(rows: 4)
      defer { try? FileManager.default.removeItem(at: file) }
      let result = try f.run(
        ["patient", "import", file.path, "--protocol", "SLE-UCMSC"])
      #expect(result.status == 0, "\(result.stderr)")
      let lines = result.stdout.split(separator: "\n").map(String.init)
      #expect(lines.count == 5)
      #expect(lines[0].hasPrefix("enrolled SLE-PAN-0001 arm "))
      #expect(lines[1].hasPrefix("enrolled SLE-BOG-0001 arm "))
      #expect(lines[3].hasPrefix("enrolled SLE-BOG-0002 arm "))
      #expect(lines[4] == "imported 4 patients")
      // Stored audit rows, counted as the owner.
      let audited: Int = try db.connect().query(
        """
        SELECT count(*)::int AS n FROM audit.log
        WHERE table_name = 'registry.patient' AND action = 'INSERT'
        """
      ).rows[0].decode("n")
      #expect(audited == 4)
      let verify = try f.run(["audit", "verify"])
      #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

      let json = try f.run(
        [
          "patient", "import", try sleImportFile(rows: 1, mrnPrefix: "J-").path, "--protocol",
          "SLE-UCMSC", "--format", "json",
        ])
      let decoded = try JSONDecoder().decode([JSONAny].self, from: Data(json.stdout.utf8))
      #expect(decoded.first?["study_id"]?.string == "SLE-PAN-0003")
    }
  }

  @Test func aBadRowAtLineNLeavesNothingAndNamesTheLineAndColumn() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      let cases: [(line: Int, row: String, status: Int32, prefix: String)] = [
        (
          7, "X,Eva,Luna,1935-01-01,F,2.1,2026-05-20,2026-06-01,PAN,rash,fever,320,1", 65,
          "error: line 7, eligibility: not eligible"
        ),
        (
          12, "Y,Eva,Luna,1990-01-01,F,2.1,2026-05-20,2026-06-01,PAN,rash,fever,320,9", 65,
          "error: line 12, pga:"
        ),
        (
          3, "Z,Eva,Luna,1990-01-01,F,2.1,2026-05-20,2026-06-01,NOPE,rash,fever,320,1", 66,
          "error: line 3, site:"
        ),
        (
          20, "IMP-0,Eva,Luna,1990-01-01,F,2.1,2026-05-20,2026-06-01,PAN,rash,fever,320,1", 65,
          "error: line 20, mrn:"
        ),
      ]
      for c in cases {
        let file = try sleImportFile(rows: 30, replacing: [c.line: c.row])
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try f.run(
          ["patient", "import", file.path, "--protocol", "SLE-UCMSC"])
        #expect(result.status == c.status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(c.prefix), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
        #expect(try f.fingerprint() == before, "line \(c.line)")
      }
      let missing = try f.run(
        ["patient", "import", "/nonexistent/list.csv", "--protocol", "SLE-UCMSC"])
      #expect(missing.status == 66 && missing.stderr.hasPrefix("error: FILE:"))
      let file = try sleImportFile(rows: 2)
      defer { try? FileManager.default.removeItem(at: file) }
      let noProtocol = try f.run(
        ["patient", "import", file.path, "--protocol", "NOPE"])
      #expect(noProtocol.status == 66 && noProtocol.stderr.hasPrefix("error: line 2, protocol:"))
      #expect(try f.fingerprint() == before)
    }
  }
}
