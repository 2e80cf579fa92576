import Foundation
import PostgresClient
import TestSupport
import Testing

/// Reports and exports run in one READ ONLY transaction that writes nothing (no temporary
/// table), so they run on a PostgreSQL hot standby: a primary and its streaming replica
/// (`scripts/pg-local standby`: pg_basebackup -R, both private clusters in temporary folders)
/// give byte-identical cohort reports (every format) and exports (every kind), after writes
/// made on the primary once the replica was streaming.
@Suite(.serialized, .blocking) struct ReplicaTests {
  /// The ODM file's creation time (`SOURCE_DATE_EPOCH`), so that two exports can be equal.
  static let epoch = "1767225600"

  func run(
    _ arguments: [String], on cluster: PrivateCluster, as user: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> CLIResult {
    let result = try CLIRunner.run(
      arguments,
      environment: [
        "MSCREG_DATABASE": cluster.conninfo(user: user), "SOURCE_DATE_EPOCH": Self.epoch,
      ])
    try #require(
      result.status == 0, "\(arguments) as \(user): \(result.stderr)",
      sourceLocation: sourceLocation)
    return result
  }

  /// Waits until the standby has replayed everything the primary had written.
  func waitForReplay(_ primary: PrivateCluster, _ standby: PrivateCluster) throws {
    let lsn: String = try Connection(conninfo: primary.conninfo).query(
      "SELECT pg_current_wal_lsn()::text"
    ).rows[0].decode(at: 0)
    let watcher = try Connection(conninfo: standby.conninfo)
    defer { watcher.close() }
    let deadline = Date().addingTimeInterval(60)
    while true {
      let replayed: Bool = try watcher.query(
        "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", [lsn]
      ).rows[0].decode(at: 0)
      if replayed { return }
      guard Date() < deadline else { throw FaultTestError("the standby did not replay \(lsn)") }
      usleep(20_000)
    }
  }

  /// Every file of a folder, by name.
  func files(_ folder: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
      out[name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return out
  }

  @Test func reportsAndExportsOnAHotStandbyAreByteIdenticalToThePrimary() throws {
    let started = Date()
    let primary = try PrivateCluster()
    defer { primary.destroy() }
    let owner = primary.user
    _ = try run(["db", "migrate"], on: primary, as: owner)
    _ = try run(["user", "add", "rp_ada", "--role", "admin"], on: primary, as: owner)
    var setup = [
      ["site", "add", "PAN", "--name", "Panamá"], ["site", "add", "BOG", "--name", "Bogotá"],
      ["user", "add", "rp_coord", "--role", "coordinator", "--site", "PAN", "--site", "BOG"],
      ["user", "add", "rp_inv", "--role", "investigator", "--site", "PAN", "--site", "BOG"],
      ["user", "add", "rp_mon", "--role", "monitor"],
    ]
    for file in ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"] {
      setup.append([
        "protocol", "load", RegistryFixture.protocolsFolder.appendingPathComponent(file).path,
      ])
    }
    for arguments in setup { _ = try run(arguments, on: primary, as: "rp_ada") }
    for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
      _ = try run(
        ["demo", "seed", "--protocol", code, "--patients", "150", "--seed", "7"], on: primary,
        as: owner)
    }

    let standby = try PrivateCluster(standbyOf: primary)
    defer { standby.destroy() }
    // Written on the primary while the standby streams: a coordinator's import.
    let file = try sleImportFile(rows: 6, mrnPrefix: "REPLICA-")
    defer { try? FileManager.default.removeItem(at: file) }
    _ = try run(
      ["patient", "import", file.path, "--protocol", "SLE-UCMSC"], on: primary, as: "rp_coord")
    try waitForReplay(primary, standby)
    let recovering: Bool = try Connection(conninfo: standby.conninfo).query(
      "SELECT pg_is_in_recovery()"
    ).rows[0].decode(at: 0)
    #expect(recovering, "the second cluster is a standby")
    let onStandby =
      try Connection(conninfo: standby.conninfo).query(
        "SELECT count(*)::int FROM identity.patient_identity WHERE mrn LIKE 'REPLICA-%'"
      ).rows[0].decode(at: 0) as Int
    #expect(onStandby == 6, "the import was replayed")

    var compared = 0
    for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
      for format in ["text", "json", "csv", "html"] {
        let arguments = ["report", "cohort", "--protocol", code, "--format", format]
        let a = try run(arguments, on: primary, as: "rp_inv")
        let b = try run(arguments, on: standby, as: "rp_inv")
        #expect(!a.stdout.isEmpty)
        #expect(a.stdout == b.stdout, "\(code) \(format): the standby's report differs")
        compared += 1
      }
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "replica-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: folder) }
      for format in ["csv", "fhir", "odm"] {
        var outputs: [[String: Data]] = []
        for (name, cluster) in [("primary", primary), ("standby", standby)] {
          let target = folder.appendingPathComponent("\(format)-\(name)")
          _ = try run(
            [
              "export", "--protocol", code, "--deidentified", "--format", format, "--output",
              target.path,
            ], on: cluster, as: "rp_mon")
          outputs.append(
            format == "csv" ? try files(target) : ["file": try Data(contentsOf: target)])
        }
        #expect(!outputs[0].isEmpty && outputs[0].values.allSatisfy { !$0.isEmpty })
        #expect(outputs[0] == outputs[1], "\(code) \(format): the standby's export differs")
        compared += 1
      }
    }
    // The standby refuses writes: what ran there wrote nothing.
    let write = try CLIRunner.run(
      ["site", "add", "LIM", "--name", "Lima"],
      environment: ["MSCREG_DATABASE": standby.conninfo(user: "rp_ada")])
    #expect(write.status != 0)
    print(
      "scale.replica: \(compared) reports and exports byte-identical on the hot standby; "
        + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s")
  }
}
