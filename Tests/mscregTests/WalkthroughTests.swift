import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The README's Walkthrough, run verbatim: its runnable blocks (a ```sh fence on the line after
/// `<!-- walkthrough -->`) are joined in order into one bash script that stops at the first
/// command whose exit status is not 0 (`set -e`, `pipefail`, `inherit_errexit`).
///
/// The script runs as a newcomer's shell would, from the top of a checkout: `scripts/pg-local`
/// starts a PostgreSQL cluster of the test's own (`MSCREG_PGLOCAL_DIR`, a temporary folder, so
/// that the login roles the story creates are fresh and leave nothing in the cluster the other
/// tests share), and `.build/debug/mscreg` is the binary under test. The folder it runs in
/// links `scripts`, `config` and `sql` of this checkout, so the files the story writes stay
/// out of the checkout.
@Suite(.blocking) struct WalkthroughTests {
  /// The README of this checkout.
  static var readme: String {
    get throws {
      try String(
        contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("README.md"),
        encoding: .utf8)
    }
  }

  /// The fenced blocks of `text` as (marker on the line before the fence, fence info, body).
  static func fencedBlocks(_ text: String) -> [(marker: String, info: String, body: String)] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var blocks: [(marker: String, info: String, body: String)] = []
    var i = 0
    while i < lines.count {
      let line = lines[i]
      guard line.hasPrefix("```") else {
        i += 1
        continue
      }
      let info = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
      let marker = i > 0 ? lines[i - 1].trimmingCharacters(in: .whitespaces) : ""
      var body: [String] = []
      i += 1
      while i < lines.count, !lines[i].hasPrefix("```") {
        body.append(lines[i])
        i += 1
      }
      blocks.append((marker, info, body.joined(separator: "\n")))
      i += 1
    }
    return blocks
  }

  /// The Walkthrough's runnable blocks, in README order.
  static func walkthroughBlocks(_ text: String) -> [String] {
    fencedBlocks(text).filter { $0.marker == "<!-- walkthrough -->" }.map(\.body)
  }

  @Test func everyShellBlockOfTheReadmeIsRunOrMarked() throws {
    let blocks = Self.fencedBlocks(try Self.readme)
    let walkthrough = blocks.filter { $0.marker == "<!-- walkthrough -->" }
    #expect(walkthrough.count >= 5, "the Walkthrough has its runnable blocks")
    #expect(walkthrough.allSatisfy { $0.info == "sh" }, "runnable blocks are ```sh")
    // A ```sh block is for pasting: only the Walkthrough's (run below), the registry
    // service's curl examples (`<!-- service-walkthrough -->`, run by
    // ServiceWalkthroughTests) and the two set-up commands at the top (`<!-- setup -->`).
    // Reference material is ```text (synopses).
    let runnable = ["<!-- walkthrough -->", "<!-- service-walkthrough -->", "<!-- setup -->"]
    for block in blocks where block.info == "sh" || block.info == "bash" || block.info == "shell" {
      #expect(
        runnable.contains(block.marker),
        "a shell block outside the Walkthrough: \(block.body.prefix(80))")
    }
    let setup = blocks.filter { $0.marker == "<!-- setup -->" }
    #expect(setup.count == 1)
    let commands = setup.first?.body.split(separator: "\n").map {
      $0.split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    }
    #expect(commands == ["make demo", "make test"], "exactly two set-up commands at the top")
  }

  @Test func theWalkthroughRunsVerbatimTopToBottom() throws {
    let blocks = Self.walkthroughBlocks(try Self.readme)
    try #require(!blocks.isEmpty)
    let fm = FileManager.default
    let dir = try TemporaryFolder.make("mscreg-walk")
    let root = TestDatabase.repositoryRoot
    for name in ["scripts", "config", "sql"] {
      try fm.createSymbolicLink(
        at: dir.appendingPathComponent(name), withDestinationURL: root.appendingPathComponent(name)
      )
    }
    try fm.createDirectory(
      at: dir.appendingPathComponent(".build"), withIntermediateDirectories: true)
    try fm.createSymbolicLink(
      at: dir.appendingPathComponent(".build/debug"),
      withDestinationURL: CLIRunner.binary.deletingLastPathComponent())

    var env = ProcessInfo.processInfo.environment
    for key in env.keys
    where key.hasPrefix("PG") || key.hasPrefix("MSCREG_") {
      env[key] = nil
    }
    env["MSCREG_PGLOCAL_DIR"] = dir.appendingPathComponent("pg").path
    env["MSCREG_PGLOCAL_PORT"] = String(Int.random(in: 20_000..<30_000))
    env["LC_ALL"] = "C.UTF-8"

    let script = Self.script(blocks)
    let scriptFile = dir.appendingPathComponent("walkthrough.sh")
    try script.write(to: scriptFile, atomically: true, encoding: .utf8)

    defer {
      _ = try? Self.run(["bash", "scripts/pg-local", "stop"], in: dir, environment: env)
      try? fm.removeItem(at: dir)
    }
    let result = try Self.run(["bash", scriptFile.path], in: dir, environment: env)
    let tail = result.output.split(separator: "\n").suffix(40).joined(separator: "\n")
    #expect(result.status == 0, "the walkthrough stopped:\n\(tail)")
    #expect(result.output.contains("walkthrough: the end"), "\(tail)")
    // The story's promises: the coordinator enrolled until a patient landed in the MSC arm,
    // the investigator's report and the monitor's export were written.
    #expect(result.output.contains(" arm msc"))
    #expect(fm.fileExists(atPath: dir.appendingPathComponent("walkthrough/report.html").path))
    #expect(
      fm.fileExists(atPath: dir.appendingPathComponent("walkthrough/export/patients.csv").path))
  }

  /// One bash script of the blocks, in order, that stops at the first command whose exit
  /// status is not 0 (also inside `$(…)` and pipelines) and names it.
  static func script(_ blocks: [String]) -> String {
    ([
      "set -Eeuo pipefail", "shopt -s inherit_errexit",
      #"trap 'echo "walkthrough: exit status $? at script line $LINENO: $BASH_COMMAND" >&2' ERR"#,
    ] + blocks + ["echo 'walkthrough: the end'"]).joined(separator: "\n")
  }

  @Test func aFailingCommandStopsTheWalkthrough() throws {
    let dir = FileManager.default.temporaryDirectory
    for failing in ["false", "x=$(false)", "false | cat", "f() { false; echo no; }; f"] {
      let result = try Self.run(
        ["bash", "-c", Self.script(["echo first", failing, "echo after"])], in: dir,
        environment: ProcessInfo.processInfo.environment)
      #expect(result.status != 0, "\(failing)")
      #expect(result.output.contains("first"))
      #expect(!result.output.contains("after") && !result.output.contains("the end"), "\(failing)")
      #expect(result.output.contains("walkthrough: exit status 1"), "\(failing)")
    }
  }

  /// Runs a command to its end; standard output and error together.
  static func run(_ arguments: [String], in dir: URL, environment: [String: String]) throws
    -> (status: Int32, output: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = dir
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
