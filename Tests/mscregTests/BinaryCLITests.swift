import Foundation
import MSCRegCLI
import TestSupport
import Testing

/// End-to-end runs of the built `mscreg` binary, where the process is the point: exit statuses
/// seen by a shell, output through pipes, the environment read from the process. Every other
/// CLI test runs the command line in process (`CLIRunner.run`); the tests here also check that
/// both ways give the same result.
@Suite(.blocking) struct BinaryCLITests {
  @Test func theBinaryExitsWithTheDocumentedStatuses() throws {
    try TestDatabase.with { db in
      let added = try CLIRunner.runBinary(["site", "add", "PAN", "--name", "Panamá"], database: db)
      #expect(added.status == 0, "\(added.stderr)")
      #expect(added.stdout == "added site PAN\n")
      let cases: [([String], Int32)] = [
        (["site", "add", "PAN", "--name", "Again"], 65),
        (["site", "frobnicate"], 64),
        (["patient", "show", "SLE-PAN-9999"], 66),
        (["site", "list", "--format", "yaml"], 64),
      ]
      for (arguments, status) in cases {
        let binary = try CLIRunner.runBinary(arguments, database: db)
        #expect(binary.status == status, "\(arguments): \(binary.stderr)")
        #expect(binary.stderr.hasPrefix("error: "), "\(arguments)")
        // In process: the same status and the same message.
        let inProcess = try CLIRunner.run(arguments, database: db)
        #expect(inProcess.status == binary.status, "\(arguments)")
        #expect(inProcess.stderr == binary.stderr, "\(arguments)")
        #expect(inProcess.stdout == binary.stdout, "\(arguments)")
      }
      let unreachable = try CLIRunner.runBinary(
        ["site", "list"], environment: ["MSCREG_DATABASE": "host=/nonexistent-dir port=1"])
      #expect(unreachable.status == 69)
      #expect(unreachable.stderr.hasPrefix("error: database: "))
    }
  }

  @Test func theBinaryReadsLibpqsEnvironmentAndWritesJSONThroughAPipe() throws {
    try TestDatabase.with { db in
      _ = try CLIRunner.run(["site", "add", "BOG", "--name", "Bogotá"], database: db)
      // No MSCREG_DATABASE: libpq's PGDATABASE (and the rest of the process's PG*) decide.
      let viaPG = try CLIRunner.runBinary(
        ["site", "list", "--format", "json"], environment: ["PGDATABASE": db.name])
      #expect(viaPG.status == 0, "\(viaPG.stderr)")
      #expect(viaPG.stdout.contains("\"code\" : \"BOG\""))
      // In process, the same variable is passed to libpq without touching this process's
      // environment.
      let before = ProcessInfo.processInfo.environment["PGDATABASE"]
      let inProcess = try CLIRunner.run(
        ["site", "list", "--format", "json"], environment: ["PGDATABASE": db.name])
      #expect(inProcess.stdout == viaPG.stdout)
      #expect(ProcessInfo.processInfo.environment["PGDATABASE"] == before)
    }
  }

  @Test func helpThroughAPipeIsWrappedAt80ColumnsAndGoesToStandardOutput() throws {
    let binary = try CLIRunner.runBinary(["patient", "enroll", "--help"], environment: [:])
    #expect(binary.status == 0)
    #expect(binary.stderr.isEmpty)
    #expect(binary.stdout.contains("Examples:"))
    // Every line but the parser's one-line usage synopsis fits in 80 columns.
    let longest =
      binary.stdout.split(separator: "\n").filter { !$0.hasPrefix("USAGE:") }.map(\.count).max()
      ?? 0
    #expect(longest <= 80, "a help line of \(longest) columns")
    let inProcess = try CLIRunner.run(
      ["patient", "enroll", "--help"], environment: ["COLUMNS": "80"])
    #expect(inProcess.stdout == binary.stdout)
  }
}

/// In-process runs are isolated from each other: each has its own environment and output.
@Suite(.blocking) struct InProcessCLITests {
  @Test func concurrentRunsKeepTheirOwnDatabaseAndOutput() throws {
    try TestDatabase.with { first in
      try TestDatabase.with { second in
        _ = try CLIRunner.run(["site", "add", "AAA", "--name", "First"], database: first)
        _ = try CLIRunner.run(["site", "add", "BBB", "--name", "Second"], database: second)
        let outputs = try Concurrently.run(8) { i in
          try CLIRunner.run(["site", "list"], database: i % 2 == 0 ? first : second)
        }
        for (i, output) in outputs.enumerated() {
          #expect(output.status == 0)
          let expected = i % 2 == 0 ? "AAA" : "BBB"
          let other = i % 2 == 0 ? "BBB" : "AAA"
          #expect(output.stdout.contains(expected) && !output.stdout.contains(other), "run \(i)")
        }
      }
    }
  }

  @Test func relativePathsAreResolvedAgainstTheRunsWorkingDirectory() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mscreg-cwd-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: dir) }
      let context = CommandContext(
        environment: ["CI": "true", "MSCREG_DATABASE": db.conninfo], currentDirectory: dir)
      let status = RegistryCLI.run(
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--output", "cohort.txt"],
        context: context)
      #expect(status == 0, "\(context.standardError.text)")
      #expect(context.standardOutput.text == "wrote cohort.txt\n")
      let written = try String(
        contentsOf: dir.appendingPathComponent("cohort.txt"), encoding: .utf8)
      #expect(written.hasPrefix("Cohort report: SLE-UCMSC"))
      #expect(
        !FileManager.default.fileExists(atPath: "cohort.txt"), "not in the process's directory")
    }
  }

}
