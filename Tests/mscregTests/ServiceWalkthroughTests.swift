import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The README's curl examples of "The registry service", run verbatim against what
/// `make serve` runs: its runnable blocks (a ```sh fence on the line after
/// `<!-- service-walkthrough -->`) are joined in order into one bash script that stops at the
/// first command whose exit status is not 0 (`curl -f` fails on any answer of 400 or above).
///
/// `scripts/serve` runs with the built binary (`MSCREG_BIN`) on a private cluster
/// (`MSCREG_PGLOCAL_DIR`, a temporary folder, so that the demo users it creates leave nothing
/// in the cluster the other tests share) and on a port the system chooses; the script gets
/// that address as `API`, the one variable the examples let a reader set. It runs twice, as a
/// reader may paste it twice: the second run's enrollment is a replay of the first. Then the
/// server gets SIGTERM and exits 0.
@Suite(.blocking) struct ServiceWalkthroughTests {
  /// The runnable blocks of the service's examples, in README order.
  static func blocks(_ text: String) -> [String] {
    WalkthroughTests.fencedBlocks(text).filter { $0.marker == "<!-- service-walkthrough -->" }
      .map(\.body)
  }

  @Test func theCurlExamplesRunVerbatimAgainstMakeServe() throws {
    let blocks = Self.blocks(try WalkthroughTests.readme)
    try #require(!blocks.isEmpty, "README: no <!-- service-walkthrough --> block")
    #expect(blocks.allSatisfy { $0.contains("curl -fsS") })
    let fm = FileManager.default
    let dir = try TemporaryFolder.make("mscreg-serve-walk")
    let root = TestDatabase.repositoryRoot
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("PG") || key.hasPrefix("MSCREG_") {
      env[key] = nil
    }
    env["MSCREG_PGLOCAL_DIR"] = dir.appendingPathComponent("pg").path
    env["MSCREG_PGLOCAL_PORT"] = String(Int.random(in: 20_000..<30_000))
    env["MSCREG_BIN"] = CLIRunner.binary.path
    env["MSCREG_SERVE_LISTEN"] = "127.0.0.1:0"
    env["MSCREG_SERVE_POOL"] = "2"
    env["LC_ALL"] = "C.UTF-8"
    defer {
      _ = try? WalkthroughTests.run(
        ["bash", root.appendingPathComponent("scripts/pg-local").path, "stop"], in: dir,
        environment: env)
      try? fm.removeItem(at: dir)
    }

    let serve = Process()
    serve.executableURL = root.appendingPathComponent("scripts/serve")
    serve.environment = env
    serve.currentDirectoryURL = root
    let out = Pipe()
    let errors = Pipe()
    serve.standardOutput = out
    serve.standardError = errors
    serve.standardInput = FileHandle.nullDevice
    try serve.run()
    defer {
      if serve.isRunning {
        serve.terminate()
        serve.waitUntilExit()
      }
    }
    // scripts/serve sets the database up, then execs `mscreg serve`, which prints its address.
    var line = Data()
    var address: String?
    let reader = out.fileHandleForReading
    while address == nil {
      let byte = reader.readData(ofLength: 1)
      if byte.isEmpty { break }
      if byte == Data("\n".utf8) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("listening on ") { address = String(text.dropFirst(13)) }
        line = Data()
      } else {
        line.append(byte)
      }
    }
    guard let address else {
      serve.waitUntilExit()
      let stderr = String(
        decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      Issue.record("scripts/serve exited \(serve.terminationStatus) before listening: \(stderr)")
      return
    }
    // The server's log is drained while the examples run (a full pipe would stop it).
    DispatchQueue.global().async { [errors] in
      let handle = errors.fileHandleForReading
      while !handle.availableData.isEmpty {}
    }

    var scriptEnv = env
    scriptEnv["API"] = address
    let scriptFile = dir.appendingPathComponent("service-walkthrough.sh")
    try WalkthroughTests.script(blocks).write(to: scriptFile, atomically: true, encoding: .utf8)
    var studyIDs: [String] = []
    for round in 1...2 {
      let result = try WalkthroughTests.run(
        ["bash", scriptFile.path], in: dir, environment: scriptEnv)
      let tail = result.output.split(separator: "\n").suffix(30).joined(separator: "\n")
      #expect(result.status == 0, "round \(round): the examples stopped:\n\(tail)")
      #expect(result.output.contains("walkthrough: the end"), "round \(round):\n\(tail)")
      #expect(result.output.hasPrefix("ok\n"), "GET /healthz: \(result.output.prefix(200))")
      // The same candidate without an Idempotency-Key: a conflict, 409.
      #expect(result.output.contains("\n409\n"), "round \(round):\n\(tail)")
      let enrolled = try String(
        contentsOf: dir.appendingPathComponent("enrolled.json"), encoding: .utf8)
      let object = try JSONSerialization.jsonObject(with: Data(enrolled.utf8)) as? [String: Any]
      studyIDs.append(try #require(object?["study_id"] as? String, "\(enrolled)"))
    }
    #expect(studyIDs == ["SLE-PAN-0001", "SLE-PAN-0001"], "\(studyIDs)")

    kill(serve.processIdentifier, SIGTERM)
    serve.waitUntilExit()
    #expect(serve.terminationStatus == 0, "mscreg serve after SIGTERM")
  }
}
