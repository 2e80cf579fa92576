import Foundation
import RegistryService
import TestSupport
import Testing

/// Arguments for an eligible SLE enrollment through the CLI.
func sleEnrollArguments(mrn: String, site: String = "PAN", enrolledOn: String = "2026-06-01")
  -> [String]
{
  [
    "patient", "enroll", "--protocol", "SLE-UCMSC", "--site", site, "--mrn", mrn, "--given",
    "Ana", "--family", "Pérez", "--birth-date", "1990-04-02", "--sex", "F", "--consent-version",
    "2.1", "--consent-date", "2026-05-20", "--enrolled-on", enrolledOn, "--sledai-descriptors",
    "arthritis,rash,low_complement,proteinuria", "--eular-acr-items",
    "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4", "--ana-titer", "320", "--pga", "1.5",
  ]
}

@Suite(.blocking) struct EnrollmentCLITests {
  @Test func protocolLoadIsValidatedImmutableAndVersioned() throws {
    try TestDatabase.with { db in
      let file = RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml").path
      let first = try CLIRunner.run(["protocol", "load", file], database: db)
      #expect(first.status == 0 && first.stdout == "loaded protocol SLE-UCMSC version 1\n")
      let again = try CLIRunner.run(["protocol", "load", file], database: db)
      #expect(again.status == 0 && again.stdout.contains("already loaded (unchanged)"))

      let text = try String(contentsOfFile: file, encoding: .utf8)
      let tmp = FileManager.default.temporaryDirectory.appendingPathComponent(
        "proto-\(UUID().uuidString).yaml")
      defer { try? FileManager.default.removeItem(at: tmp) }
      try text.replacingOccurrences(of: "seed: 20261120", with: "seed: 7").write(
        to: tmp, atomically: true, encoding: .utf8)
      let changed = try CLIRunner.run(["protocol", "load", tmp.path], database: db)
      #expect(changed.status == 65)
      #expect(changed.stderr.hasPrefix("error: version:"))

      try text.replacingOccurrences(of: "version: 1", with: "version: 2").write(
        to: tmp, atomically: true, encoding: .utf8)
      let v2 = try CLIRunner.run(["protocol", "load", tmp.path], database: db)
      #expect(v2.stdout == "loaded protocol SLE-UCMSC version 2\n")
      let list = try CLIRunner.run(["protocol", "list", "--format", "json"], database: db)
      let rows = try JSONDecoder().decode([[String: JSONAny]].self, from: Data(list.stdout.utf8))
      #expect(rows.map { $0["version"]?.number } == [1, 2])
      let show = try CLIRunner.run(
        ["protocol", "show", "SLE-UCMSC", "--version", "1", "--format", "json"], database: db)
      let shown = try JSONDecoder().decode([String: JSONAny].self, from: Data(show.stdout.utf8))
      #expect(shown["version"]?.number == 1)
      #expect(shown["definition"]?["randomization"]?["seed"]?.number == 20_261_120)
      let latest = try CLIRunner.run(["protocol", "show", "SLE-UCMSC"], database: db)
      #expect(latest.stdout.hasPrefix("SLE-UCMSC version 2"))
      let missing = try CLIRunner.run(["protocol", "show", "NOPE"], database: db)
      #expect(missing.status == 66)
    }
  }

  @Test func anInvalidProtocolListsEveryProblemAndLoadsNothing() throws {
    try TestDatabase.with { db in
      let tmp = FileManager.default.temporaryDirectory.appendingPathComponent(
        "bad-\(UUID().uuidString).yaml")
      defer { try? FileManager.default.removeItem(at: tmp) }
      try """
      code: BAD
      version: 1
      title: Broken
      condition: sle
      study_id_prefix: BAD
      arms:
        - {code: control, ratio: 1, receives_msc: false}
      eligibility:
        sledai_2k: {min: 12, max: 8}
        meld: {min: 10}
      treatment:
        allowed_sources: [umbilical_cord]
        product: cells
        dose_per_kg: {min: 1e6, max: 2e6}
        max_infusions: 1
        release: {min_viability_pct: 70, max_passage: 5, isct_markers: true}
      visits:
        - {code: baseline, day: 0, window: [-14, 0]}
        - {code: week4, day: 28, window: [3, 7]}
      endpoints:
        - {code: sri4_w24, kind: sri4, visit: week99}
      colour: blue
      """.write(to: tmp, atomically: true, encoding: .utf8)
      let result = try CLIRunner.run(["protocol", "load", tmp.path], database: db)
      #expect(result.status == 65)
      let lines = result.stderr.split(separator: "\n")
      #expect(lines.first?.hasPrefix("error: protocol:") == true)
      for needle in [
        "colour", "arms", "eligibility.sledai_2k", "eligibility.meld", "visits[1].window",
        "endpoints[0].visit",
      ] {
        #expect(result.stderr.contains(needle), "\(needle) missing from \(result.stderr)")
      }
      let list = try CLIRunner.run(["protocol", "list", "--format", "json"], database: db)
      #expect(try JSONDecoder().decode([JSONAny].self, from: Data(list.stdout.utf8)).isEmpty)
      let nofile = try CLIRunner.run(["protocol", "load", "/nonexistent/p.yaml"], database: db)
      #expect(nofile.status == 66)
    }
  }

  @Test func enrollShowListAndAmendThroughTheCommandLine() throws {
    try TestDatabase.with { db in
      // Writes as PAN's coordinator, reads as an investigator, the audit trail as the monitor.
      let f = try RegistryFixture(db)
      let coordinator = try db.login(f.logins.coordinatorName("PAN"))
      let investigator = try db.login(f.logins.investigatorName)
      let monitor = try db.login(f.logins.monitorName)
      let enroll = try CLIRunner.run(sleEnrollArguments(mrn: "CLI-1"), database: coordinator)
      #expect(enroll.status == 0, "\(enroll.stderr)")
      #expect(enroll.stdout.hasPrefix("enrolled SLE-PAN-0001 arm "))

      let ineligible = try CLIRunner.run(
        sleEnrollArguments(mrn: "CLI-2").map { $0 == "1990-04-02" ? "1940-01-01" : $0 },
        database: coordinator)
      #expect(ineligible.status == 65)
      #expect(ineligible.stderr.hasPrefix("error: eligibility: not eligible"))
      #expect(ineligible.stderr.contains("age_years: 86"))
      #expect(ineligible.stderr.split(separator: "\n").count == 1)

      let badValue = try CLIRunner.run(
        sleEnrollArguments(mrn: "CLI-3") + ["--creatinine", "900mg/dL"], database: coordinator)
      #expect(badValue.status == 65)
      #expect(badValue.stderr.hasPrefix("error: --creatinine:"))
      let badDate = try CLIRunner.run(
        sleEnrollArguments(mrn: "CLI-3").map { $0 == "1990-04-02" ? "1990-02-30" : $0 },
        database: coordinator)
      #expect(badDate.status == 65 && badDate.stderr.hasPrefix("error: --birth-date:"))

      let show = try CLIRunner.run(["patient", "show", "SLE-PAN-0001"], database: investigator)
      #expect(show.status == 0)
      #expect(!show.stdout.contains("CLI-1") && !show.stdout.contains("Pérez"))
      let identified = try CLIRunner.run(
        ["patient", "show", "SLE-PAN-0001", "--identify"], database: investigator)
      #expect(identified.stdout.contains("MRN CLI-1") && identified.stdout.contains("Pérez"))
      let unknown = try CLIRunner.run(["patient", "show", "SLE-PAN-0099"], database: investigator)
      #expect(unknown.status == 66 && unknown.stderr.hasPrefix("error: ID:"))

      let csv = try CLIRunner.run(["patient", "list", "--format", "csv"], database: investigator)
      let lines = csv.stdout.split(whereSeparator: \.isNewline)
      #expect(
        lines.first
          == "study_id,protocol,protocol_version,site,arm,status,enrolled_on,sex,age_at_enrollment,synthetic"
      )
      #expect(
        lines.dropFirst().allSatisfy { $0.hasSuffix(",false") }, "an enrolled patient is real")
      #expect(lines.count == 2)
      #expect(!csv.stdout.contains("CLI-1"))
      let filtered = try CLIRunner.run(
        ["patient", "list", "--site", "BOG", "--format", "json"], database: investigator)
      #expect(try JSONDecoder().decode([JSONAny].self, from: Data(filtered.stdout.utf8)).isEmpty)
      let badStatus = try CLIRunner.run(
        ["patient", "list", "--status", "alive"], database: investigator)
      #expect(badStatus.status == 65 && badStatus.stderr.hasPrefix("error: --status:"))

      let noReason = try CLIRunner.run(
        ["patient", "amend", "SLE-PAN-0001", "--sex", "M"], database: coordinator)
      #expect(noReason.status == 64)
      let amend = try CLIRunner.run(
        ["patient", "amend", "SLE-PAN-0001", "--sex", "M", "--reason", "entered wrongly"],
        database: coordinator)
      #expect(amend.status == 0)
      let audit = try CLIRunner.run(["audit", "SLE-PAN-0001"], database: monitor)
      #expect(audit.stdout.contains("sex: \"F\" → \"M\""))
      #expect(audit.stdout.contains("reason: entered wrongly"))
    }
  }

  @Test func concurrentEnrollmentsFromManyProcessesGiveGaplessStudyIDs() throws {
    try TestDatabase.with { db in
      // Eight sessions of PAN's coordinator at once; the stored rows checked as the owner.
      let f = try RegistryFixture(db)
      let coordinator = try db.login(f.logins.coordinatorName("PAN"))
      let processes = 8
      let perProcess = 25
      let failures = try Concurrently.run(processes) { p in
        var errors: [String] = []
        for i in 0..<perProcess {
          let r = try CLIRunner.run(
            sleEnrollArguments(mrn: "C-\(p)-\(i)"), database: coordinator)
          if r.status != 0 { errors.append(r.stderr) }
        }
        return errors
      }.flatMap { $0 }
      #expect(failures.isEmpty, "\(failures.prefix(3))")
      let ids = try db.connect().query(
        "SELECT study_id FROM registry.patient ORDER BY study_id"
      ).rows.map { try $0.decode("study_id", as: String.self) }
      let expected = (1...processes * perProcess).map { String(format: "SLE-PAN-%04d", $0) }
      #expect(ids == expected)
      // Every stratum position is used once, in the protocol's sequence of mixed blocks (4 and
      // 6), each balanced.
      let arms = try db.connect().query(
        "SELECT arm FROM registry.allocation WHERE stratum = 'PAN' ORDER BY position"
      ).rows.map { try $0.decode("arm", as: String.self) }
      #expect(arms.count == 200)
      // The admin reads the seed.
      let trial = try ProtocolService(f.admin).show(code: "SLE-UCMSC").trial
      #expect(arms == trial.randomizer.sequence(stratum: "PAN", count: 200).map(\.code))
      var start = 0
      for block in trial.randomizer.blocks(stratum: "PAN", count: 60)
      where start + block.count <= 200 {
        #expect(arms[start..<start + block.count].filter { $0 == "msc" }.count * 2 == block.count)
        start += block.count
      }
    }
  }
}
