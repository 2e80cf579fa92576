import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A PostgreSQL cluster of its own in a temporary folder (`scripts/pg-local` with
/// `MSCREG_PGLOCAL_DIR`), so that a test may kill its server without touching the one every
/// other test uses. `destroy()` stops it and deletes the folder.
final class PrivateCluster: @unchecked Sendable {
  /// The cluster's folder (data, socket, server log).
  let dir: String
  /// The port that names its socket.
  let port: Int
  /// The login role (`postgres` when the tests run as root).
  let user: String

  /// Conninfo of its `mscreg` database.
  var conninfo: String { conninfo(user: user) }

  /// Conninfo of its `mscreg` database as another login.
  func conninfo(user: String) -> String { "host=\(dir) port=\(port) user=\(user) dbname=mscreg" }

  /// Creates the folder and starts the cluster (initdb on the way); with `primary`, the
  /// cluster is a streaming replica (hot standby) of it instead (`scripts/pg-local standby`:
  /// pg_basebackup -R).
  init(standbyOf primary: PrivateCluster? = nil) throws {
    dir = try TemporaryFolder.make("mscreg-fault").path
    port = Int.random(in: 20_000..<30_000)
    user = geteuid() == 0 ? "postgres" : ProcessInfo.processInfo.userName
    do {
      if let primary {
        try pgLocal("standby", primary.dir, String(primary.port))
      } else {
        try pgLocal("start")
      }
    } catch {
      destroy()
      throw error
    }
  }

  /// Runs `scripts/pg-local COMMAND` for this cluster; throws with its output on failure.
  @discardableResult
  func pgLocal(_ command: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = TestDatabase.repositoryRoot.appendingPathComponent("scripts/pg-local")
    process.arguments = [command] + arguments
    var env = ProcessInfo.processInfo.environment
    env["MSCREG_PGLOCAL_DIR"] = dir
    env["MSCREG_PGLOCAL_PORT"] = String(port)
    env["MSCREG_PGLOCAL_DB"] = "mscreg"
    // No fsync (initdb's, base backup's, the server's): a test kills the server, not the
    // machine, and what was written is still in the kernel after the kill; synchronous commit
    // stays on, so every commit a client heard of survives the kill.
    env["MSCREG_PGLOCAL_SCRATCH"] = "kill"
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw FaultTestError("pg-local \(command) exited \(process.terminationStatus): \(output)")
    }
    return output
  }

  /// The postmaster's process ID (first line of `postmaster.pid`).
  var postmasterPID: pid_t? {
    guard let text = try? String(contentsOfFile: dir + "/data/postmaster.pid", encoding: .utf8)
    else { return nil }
    return text.split(separator: "\n").first.flatMap { pid_t($0) }
  }

  /// The server log.
  var serverLog: String {
    (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? ""
  }

  /// Kills the whole server with SIGKILL, as a power cut or the OOM killer would: the
  /// postmaster first, then every backend and auxiliary process it had started. Waits until
  /// they are gone (or zombies, where PID 1 does not reap).
  func killServer() throws {
    guard let postmaster = postmasterPID, Self.isAlive(postmaster) else {
      throw FaultTestError("no running postmaster to kill")
    }
    let children = Self.children(of: postmaster)
    kill(postmaster, SIGKILL)
    for child in children { kill(child, SIGKILL) }
    let deadline = Date().addingTimeInterval(10)
    while ([postmaster] + children).contains(where: Self.isAlive) {
      guard Date() < deadline else { throw FaultTestError("the server survived SIGKILL") }
      usleep(10_000)
    }
  }

  /// Stops the server if it runs (killing it if a clean stop fails) and deletes the folder.
  func destroy() {
    if (try? pgLocal("stop")) == nil, let postmaster = postmasterPID, Self.isAlive(postmaster) {
      let children = Self.children(of: postmaster)
      kill(postmaster, SIGKILL)
      for child in children { kill(child, SIGKILL) }
    }
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// Running and not a zombie.
  static func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != nil && state != "Z" && state != "X"
  }

  /// Processes whose parent is `parent` (from `/proc/*/stat`).
  static func children(of parent: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
      guard let pid = pid_t(entry),
        let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
    }
  }
}

struct FaultTestError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// `mscreg` started as a child process, to be waited for later.
final class RunningCLI: @unchecked Sendable {
  private let process = Process()
  private let lock = NSLock()
  private var out = Data()
  private var err = Data()
  private let group = DispatchGroup()

  /// Starts `mscreg` with arguments; standard input is empty; `CI` is set as by `CLIRunner`.
  init(_ arguments: [String], environment: [String: String]) throws {
    process.executableURL = CLIRunner.binary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["CI"] = "true"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.currentDirectoryURL = TestDatabase.repositoryRoot
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
      group.enter()
      DispatchQueue.global().async {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        self.lock.withLock {
          if isOut { self.out = data } else { self.err = data }
        }
        self.group.leave()
      }
    }
  }

  /// True while the process runs.
  var isRunning: Bool { process.isRunning }

  /// Waits for the exit (killing the process after `timeout` seconds) and returns the exit
  /// status, standard output and standard error.
  func wait(timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        throw FaultTestError("mscreg \(process.arguments ?? []) still runs after \(timeout) s")
      }
      usleep(20_000)
    }
    group.wait()
    process.waitUntilExit()
    return lock.withLock {
      (
        process.terminationStatus, String(decoding: out, as: UTF8.self),
        String(decoding: err, as: UTF8.self)
      )
    }
  }
}

/// The registry survives its database server being killed with SIGKILL in the middle of a
/// write: after crash recovery it holds the whole batch or none of it, the audit chain
/// verifies, and the CLI reported the failure (exit 69). Each test runs its own PostgreSQL
/// cluster in a temporary folder (killing the shared server would break the other tests).
@Suite(.serialized, .blocking) struct FaultTests {
  /// Starts a private cluster with a migrated registry, sites PAN, BOG and GZU and the example
  /// protocols; runs `body`; always destroys the cluster.
  func withPrivateRegistry(_ body: (PrivateCluster, [String: String]) throws -> Void) throws {
    let cluster = try PrivateCluster()
    defer { cluster.destroy() }
    let env = ["MSCREG_DATABASE": cluster.conninfo]
    var setup = [["db", "migrate"], ["site", "add", "PAN", "--name", "Panamá"]]
    setup.append(["site", "add", "BOG", "--name", "Bogotá"])
    setup.append(["site", "add", "GZU", "--name", "Nanjing"])
    for file in ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"] {
      setup.append([
        "protocol", "load", RegistryFixture.protocolsFolder.appendingPathComponent(file).path,
      ])
    }
    for arguments in setup {
      let result = try CLIRunner.run(arguments, environment: env)
      try #require(result.status == 0, "\(arguments): \(result.stderr)")
    }
    try body(cluster, env)
  }

  /// Polls (every 25 ms, up to `timeout` seconds) until `sql` returns a row; throws if the
  /// child exits first (the write ended before the fault could be injected).
  ///
  /// Synchronous on purpose: between starting the child and killing the server the test never
  /// yields its thread, so a busy cooperative pool (every other test blocks its threads on
  /// child processes) cannot delay the polling until the write has finished.
  func waitForRow(
    _ sql: String, on cluster: PrivateCluster, while child: RunningCLI, timeout: TimeInterval = 60
  ) throws {
    let watcher = try Connection(conninfo: cluster.conninfo)
    defer { watcher.close() }
    let deadline = Date().addingTimeInterval(timeout)
    while try watcher.query(sql).rows.isEmpty {
      guard child.isRunning else {
        let ended = try child.wait(timeout: 5)
        throw FaultTestError(
          "the command ended (exit \(ended.status)) before the server could be killed: "
            + "\(ended.stderr)\(ended.stdout.suffix(300))")
      }
      guard Date() < deadline else { throw FaultTestError("no backend matched: \(sql)") }
      usleep(25_000)
    }
  }

  func count(_ sql: String, _ cluster: PrivateCluster) throws -> Int {
    try Connection(conninfo: cluster.conninfo).query(sql).rows[0].decode(at: 0)
  }

  @Test func killingTheServerDuringAnImportLeavesNoneOfTheBatch() throws {
    try withPrivateRegistry { cluster, env in
      let rows = 2_000
      let file = try sleImportFile(rows: rows, mrnPrefix: "FAULT-")
      defer { try? FileManager.default.removeItem(at: file) }
      let started = Date()
      let child = try RunningCLI(
        ["patient", "import", file.path, "--protocol", "SLE-UCMSC"], environment: env)
      // Mid-transaction: the import's backend has written rows (it holds an xid; the audit
      // chain links the transaction only at COMMIT) for at least half a second.
      try waitForRow(
        """
        SELECT a.pid FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND a.backend_xid IS NOT NULL
          AND clock_timestamp() - a.xact_start > interval '500 milliseconds'
        """, on: cluster, while: child)
      try cluster.killServer()
      let result = try child.wait(timeout: 30)
      #expect(result.status == 69, "\(result.stderr)")
      #expect(result.stderr.hasPrefix("error: database:"), "\(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)
      #expect(result.stdout.isEmpty)

      try cluster.pgLocal("start")  // crash recovery
      #expect(cluster.serverLog.contains("automatic recovery in progress"))
      let patients = try count("SELECT count(*)::int FROM registry.patient", cluster)
      #expect(patients == 0 || patients == rows, "a partial batch: \(patients) patients")
      #expect(patients == 0)  // killed before COMMIT was sent
      for table in [
        "identity.patient_identity", "registry.consent", "registry.screening",
        "registry.allocation", "registry.assessment", "registry.study_id_counter",
      ] {
        #expect(try count("SELECT count(*)::int FROM \(table)", cluster) == 0, "\(table)")
      }
      #expect(
        try count(
          "SELECT count(*)::int FROM audit.log WHERE table_name = 'registry.patient'", cluster)
          == 0)
      let verify = try CLIRunner.run(["audit", "verify"], environment: env)
      #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

      // The same list imports in full afterwards, numbered from 0001 at each site.
      let again = try CLIRunner.run(
        ["patient", "import", file.path, "--protocol", "SLE-UCMSC"], environment: env)
      #expect(again.status == 0, "\(again.stderr)")
      #expect(again.stdout.hasSuffix("imported \(rows) patients\n"))
      #expect(try count("SELECT count(*)::int FROM registry.patient", cluster) == rows)
      #expect(
        try count(
          """
          SELECT count(*)::int FROM (
            SELECT site_code, max(right(study_id, 4)::int) AS top, count(*) AS n
            FROM registry.patient GROUP BY site_code) s
          WHERE top = n AND n = \(rows / 2)
          """, cluster) == 2)
      let verified = try CLIRunner.run(["audit", "verify"], environment: env)
      #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
      print(
        "reliability.fault.import: server killed mid-transaction (\(rows)-row import), "
          + "CLI exit \(result.status) (\(result.stderr.prefix(80).trimmingCharacters(in: .newlines))), "
          + "after recovery \(patients) patients, audit chain OK, "
          + "re-import \(rows)/\(rows); \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
      )
    }
  }

  @Test func killingTheServerDuringACOPYSeedLeavesNoneOfTheCohort() throws {
    try withPrivateRegistry { cluster, env in
      let started = Date()
      let child = try RunningCLI(
        ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "20000"], environment: env)
      // Mid-COPY: the seed's backend has been streaming a COPY for a third of a second.
      try waitForRow(
        """
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
          AND query ILIKE 'COPY%' AND backend_xid IS NOT NULL
          AND clock_timestamp() - query_start > interval '300 milliseconds'
        """, on: cluster, while: child)
      try cluster.killServer()
      let result = try child.wait(timeout: 30)
      #expect(result.status == 69, "\(result.stderr)")
      #expect(result.stderr.hasPrefix("error: database:"), "\(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)

      try cluster.pgLocal("start")  // crash recovery
      #expect(cluster.serverLog.contains("automatic recovery in progress"))
      let patients = try count("SELECT count(*)::int FROM registry.patient", cluster)
      #expect(patients == 0 || patients == 20_000, "a partial cohort: \(patients) patients")
      #expect(patients == 0)
      for table in [
        "identity.patient_identity", "registry.consent", "registry.screening",
        "registry.allocation", "registry.msc_lot", "registry.infusion", "registry.assessment",
        "registry.adverse_event", "registry.clinical_event", "audit.log",
      ] {
        let rows = try count(
          table == "audit.log"
            ? "SELECT count(*)::int FROM audit.log WHERE table_name NOT IN ('registry.site', 'registry.protocol', 'registry.protocol_arm')"
            : "SELECT count(*)::int FROM \(table)", cluster)
        #expect(rows == 0, "\(table): \(rows) rows")
      }
      let verify = try CLIRunner.run(["audit", "verify"], environment: env)
      #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
      // The protocol still has no patients, so a seed is accepted again (a small one here).
      let again = try CLIRunner.run(
        ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "300"], environment: env)
      #expect(again.status == 0, "\(again.stderr)")
      #expect(try count("SELECT count(*)::int FROM registry.patient", cluster) == 300)
      let verified = try CLIRunner.run(["audit", "verify"], environment: env)
      #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
      print(
        "reliability.fault.seed: server killed mid-COPY (demo seed, 20000 patients), "
          + "CLI exit \(result.status) (\(result.stderr.prefix(80).trimmingCharacters(in: .newlines))), "
          + "after recovery \(patients) patients, audit chain OK, a new seed 300/300; "
          + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
  }
}
