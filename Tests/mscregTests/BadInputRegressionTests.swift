import Foundation
import TestSupport
import Testing

/// Bugs the bad-input corpus found, each pinned where it was fixed.
@Suite(.blocking) struct BadInputRegressionTests {
  /// `--ana-titer 0` (a negative ANA, accepted by the domain) failed on the database's CHECK
  /// with a raw constraint message; migration 0008 allows 0.
  @Test func anANATiterOfZeroIsStoredAsANegativeANA() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let enroll = try CLIRunner.run(sleEnrollArguments(mrn: "ANA-0"), database: db)
      try #require(enroll.status == 0, "\(enroll.stderr)")
      let id = String(enroll.stdout.split(separator: " ")[1])
      let assess = try CLIRunner.run(
        [
          "assess", id, "--visit", "week4", "--date", "2026-06-29", "--ana-titer", "0", "--pga",
          "1",
        ],
        database: db)
      #expect(assess.status == 0, "\(assess.stderr)")
      let stored: Int = try db.connect().query(
        "SELECT ana_titer FROM registry.assessment WHERE study_id = $1 AND visit_code = 'week4'",
        [id]
      ).rows[0].decode("ana_titer")
      #expect(stored == 0)
    }
  }

  /// `patient list --site X` / `--protocol X` for a name that does not exist printed an empty
  /// list (exit 0); an unknown name exits 66 like everywhere else.
  @Test func listingByAnUnknownSiteOrProtocolIsNotFound() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let site = try CLIRunner.run(["patient", "list", "--site", "XXX"], database: db)
      #expect(site.status == 66 && site.stderr == "error: --site: no site XXX\n")
      let proto = try CLIRunner.run(["patient", "list", "--protocol", "NOPE"], database: db)
      #expect(proto.status == 66 && proto.stderr.hasPrefix("error: --protocol:"))
      let empty = try CLIRunner.run(["patient", "list", "--site", "BOG"], database: db)
      #expect(empty.status == 0)
    }
  }

  /// `audit KEY` for a key the trail never mentioned printed nothing (exit 0).
  @Test func theAuditTrailOfAnUnknownKeyIsNotFound() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let unknown = try CLIRunner.run(["audit", "SLE-PAN-0099"], database: db)
      #expect(unknown.status == 66 && unknown.stderr.hasPrefix("error: KEY:"))
      let known = try CLIRunner.run(["audit", "PAN", "--since", "2099-01-01"], database: db)
      #expect(known.status == 0)  // a known key with nothing since then is not an error
    }
  }
}

extension BadInputRegressionTests {
  /// A protocol title of any length loaded (10,000 characters went into the registry); titles
  /// are now 1–200 characters without control characters, like other names.
  @Test func aProtocolTitleIsBounded() throws {
    try TestDatabase.with { db in
      let text = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"),
        encoding: .utf8)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent(
        "title-\(UUID().uuidString).yaml")
      defer { try? FileManager.default.removeItem(at: file) }
      try text.replacingOccurrences(
        of: "title: Umbilical-cord MSC in refractory SLE",
        with: "title: " + String(repeating: "t", count: 201)
      ).write(to: file, atomically: true, encoding: .utf8)
      let result = try CLIRunner.run(["protocol", "load", file.path], database: db)
      #expect(result.status == 65)
      #expect(result.stderr.contains("title: is 201 characters long; at most 200"))
    }
  }
}
