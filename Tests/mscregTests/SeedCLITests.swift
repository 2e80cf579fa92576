import Foundation
import TestSupport
import Testing

/// `mscreg demo seed` end to end.
@Suite(.blocking) struct SeedCLITests {
  @Test func seedPrintsCountsAppendsAndRefusesTheSameSeedTwice() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let args = ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "60", "--seed", "3"]
      let first = try CLIRunner.run(args + ["--as-of", "2026-10-01"], database: db)
      #expect(first.status == 0, "\(first.stderr)")
      #expect(first.stdout.contains("registry.patient           60"))
      #expect(first.stdout.contains("rows/s"))
      #expect(first.stderr.isEmpty)
      let again = try CLIRunner.run(args + ["--as-of", "2026-10-01"], database: db)
      #expect(again.status == 65)
      #expect(again.stderr.hasPrefix("error: --protocol: lot "), "\(again.stderr)")
      let more = try CLIRunner.run(
        [
          "demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "40", "--seed", "4",
          "--as-of", "2026-10-01",
        ], database: db)
      #expect(more.status == 0, "\(more.stderr)")
      let json = try CLIRunner.run(
        [
          "demo", "seed", "--protocol", "SLE-UCMSC", "--patients", "30", "--sites", "PAN,BOG",
          "--format", "json",
        ], database: db)
      #expect(json.status == 0, "\(json.stderr)")
      let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
      #expect(object?["patients"] as? Int == 30)
      #expect(object?["sites"] as? [String] == ["PAN", "BOG"])
      let future = try CLIRunner.run(
        ["demo", "seed", "--protocol", "SLE-UCMSC", "--patients", "3", "--as-of", "2999-01-01"],
        database: db)
      #expect(future.status == 65)
      #expect(try CLIRunner.run(["demo", "seed", "--help"]).stdout.contains("Examples:"))
    }
  }
}
