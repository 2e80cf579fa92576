import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 16, items 1 and 5, against the built `mscreg serve` as a child process on a loopback
/// port: SIGTERM and SIGINT let the requests in flight finish and start no new ones; the pool
/// never holds more than `--pool` sessions; the log has one line per request and no
/// identifying data; a retry after a response that never reached the client enrolls once.
///
/// The requests "in flight" are made to wait inside the database: a test's own session holds
/// a lock that an enrollment needs (`LOCK TABLE registry.patient IN SHARE MODE`), and
/// `pg_stat_activity` shows when the service's sessions wait on it. The server gets a long
/// `MSCREG_LOCK_TIMEOUT` so that a slow machine does not turn the wait into a refusal.
@Suite(.blocking) struct ServiceLifecycleTests {
  /// A served fixture with a signed-in coordinator of PAN; the server waits up to a minute
  /// for a lock.
  struct Served {
    let s: ServiceIdentityTests.Service
    let server: ServerProcess
    let token: String
    let coordinator: String

    init(_ db: TestDatabase, pool: Int) throws {
      s = try ServiceIdentityTests.Service(db)
      coordinator = s.f.logins.coordinatorName("PAN")
      try UserService(s.f.admin).setPassword(
        name: coordinator, password: ServiceIdentityTests.password)
      server = try ServerProcess(
        conninfo: s.conninfo, arguments: ["--pool", String(pool)],
        environment: ["MSCREG_LOCK_TIMEOUT": "60s"])
      let r = try server.request(
        "POST", "/session", json: ["user": coordinator, "password": ServiceIdentityTests.password])
      token = try #require(r.object?["token"] as? String, "\(r.text)")
    }

    /// The service login's sessions: all of them, and those waiting on a lock.
    func sessions(_ watcher: Connection) throws -> (open: Int, waiting: Int) {
      let row = try watcher.query(
        """
        SELECT count(*)::int AS open,
               (count(*) FILTER (WHERE wait_event_type = 'Lock'))::int AS waiting
        FROM pg_stat_activity WHERE usename = $1
        """, [s.name]
      ).rows[0]
      return (try row.decode("open"), try row.decode("waiting"))
    }

    /// Sends `POST /patients` for `mrn` on a thread of its own.
    func enrollLater(_ mrn: String, key: String? = nil) -> Pending<HTTPResult> {
      let server = server
      let token = token
      return Pending {
        try server.request(
          "POST", "/patients", json: EnrollmentRouteTests.candidate(mrn: mrn), token: token,
          headers: key.map { ["Idempotency-Key": $0] } ?? [:])
      }
    }
  }

  /// Work started on a thread of its own, waited for later.
  final class Pending<T: Sendable>: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    init(_ body: @escaping @Sendable () throws -> T) {
      let thread = Thread { [self] in
        let outcome = Result { try body() }
        lock.withLock { result = outcome }
        finished.signal()
      }
      thread.start()
    }

    /// True once the work has ended.
    var isDone: Bool { lock.withLock { result != nil } }

    /// The work's result, once it has ended.
    func wait() throws -> T {
      finished.wait()
      finished.signal()
      return try lock.withLock { result! }.get()
    }
  }

  /// Polls `condition` every 20 ms for up to `seconds`; false when it never held.
  static func eventually(within seconds: Double = 60, _ condition: () throws -> Bool) rethrows
    -> Bool
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(20_000)
    }
    return try condition()
  }

  /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
  static func accepts(port: Int) -> Bool {
    guard let socket = RawSocket(port: port) else { return false }
    socket.close()
    return true
  }

  /// A session of its own that holds a lock every enrollment waits for, until its
  /// `ROLLBACK`. (Watching `pg_stat_activity` needs another session: inside a transaction
  /// the statistics views show one snapshot.)
  static func lockPatients(_ db: TestDatabase) throws -> Connection {
    let holder = try db.connect()
    try holder.execute("BEGIN")
    try holder.execute("LOCK TABLE registry.patient IN SHARE MODE")
    return holder
  }

  static func count(_ db: TestDatabase, mrnLike: String) throws -> Int {
    try EnrollmentRouteTests.count(db, mrnLike: mrnLike)
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalLetsRequestsInFlightFinishAndStartsNoNewOnes(signal: Int32) throws {
    try TestDatabase.with { db in
      let t = try Served(db, pool: 2)
      defer { t.server.stop() }
      let watcher = try db.connect()
      let port = try #require(t.server.baseURL.port)
      let holder = try Self.lockPatients(db)
      let prefix = "SIG\(signal)-"
      let inFlight = (0..<2).map { t.enrollLater("\(prefix)\($0)") }
      #expect(
        try Self.eventually { try t.sessions(watcher).waiting == 2 },
        "the enrollments never reached the database: \(t.server.log.suffix(1500))")

      kill(t.server.pid, signal)
      // No new request starts: the listening socket closes while the two still wait.
      #expect(Self.eventually(within: 30) { !Self.accepts(port: port) }, "still accepting")
      #expect(!inFlight.contains { $0.isDone }, "a request in flight was cut off")
      try holder.execute("ROLLBACK")

      for pending in inFlight {
        let r = try pending.wait()
        #expect(r.status == 201, "\(r.text)")
      }
      #expect(t.server.waitUntilExit() == 0, "\(t.server.log.suffix(2000))")
      #expect(try Self.count(db, mrnLike: "\(prefix)%") == 2)
    }
  }

  @Test func thePoolNeverHoldsMoreThanItsSize() throws {
    try TestDatabase.with { db in
      let t = try Served(db, pool: 2)
      defer { t.server.stop() }
      let watcher = try db.connect()
      let holder = try Self.lockPatients(db)
      // Five enrollments at once: two sessions wait on the lock, three requests for a session.
      let pending = (0..<5).map { t.enrollLater("POOL-\($0)") }
      #expect(try Self.eventually { try t.sessions(watcher).waiting == 2 })
      var most = 0
      for _ in 0..<25 {
        most = max(most, try t.sessions(watcher).open)
        usleep(20_000)
      }
      #expect(most == 2, "the service login held \(most) sessions with --pool 2")
      try holder.execute("ROLLBACK")
      for request in pending {
        let r = try request.wait()
        #expect(r.status == 201, "\(r.text)")
      }
      #expect(try t.sessions(watcher).open <= 2)
      #expect(try Self.count(db, mrnLike: "POOL-%") == 5)
    }
  }

  /// The per-request session check runs as the user in one round trip
  /// (`Store.readAsRole`): it accepts the user's own live token only, and the pooled session
  /// is the service's login again afterwards (which may read nothing by itself).
  @Test func theOneRoundTripSessionCheckLeavesTheSessionAsItWas() throws {
    try TestDatabase.with { db in
      let s = try ServiceIdentityTests.Service(db)
      let coordinator = s.f.logins.coordinatorName("PAN")
      try UserService(s.f.admin).setPassword(
        name: coordinator, password: ServiceIdentityTests.password)
      // One pooled session: every call below runs on the same database session.
      let pool = DatabasePool(conninfo: s.conninfo, size: 1)
      let sessions = SessionService(pool)
      let opened = try #require(
        try sessions.open(
          user: coordinator, password: ServiceIdentityTests.password, lifetime: 60))
      #expect(try sessions.user(of: opened.token) == coordinator)
      let leaked = try #require(throws: RegistryError.self) {
        try pool.run(as: nil) { try SiteService($0).list() }
      }
      #expect(leaked.kind == .permissionDenied, "the check left its role set: \(leaked)")
      #expect(try pool.run(as: coordinator) { try SiteService($0).list() }.count >= 2)
      // Another user's name with this secret, a role the login may not switch into (the
      // owner): no session. The ended session: none either.
      let secret = opened.token.split(separator: ".")[1]
      let other = s.f.logins.coordinatorName("BOG")
      #expect(try sessions.user(of: "\(other).\(secret)") == nil)
      let owner: String = try db.connect().query("SELECT session_user::text AS u").rows[0]
        .decode("u")
      #expect(try sessions.user(of: "\(owner).\(secret)") == nil)
      #expect(try sessions.close(opened.token))
      #expect(try sessions.user(of: opened.token) == nil)
    }
  }

  @Test func theLogHasOneLinePerRequestAndNoIdentifyingData() throws {
    try TestDatabase.with { db in
      let t = try Served(db, pool: 2)
      defer { t.server.stop() }
      var candidate = EnrollmentRouteTests.candidate(mrn: "LOGMRN-40417")
      candidate["given"] = "Zenobia"
      candidate["family"] = "Quillfeather"
      candidate["birth_date"] = "1979-11-23"
      let enrolled = try t.server.request("POST", "/patients", json: candidate, token: t.token)
      #expect(enrolled.status == 201, "\(enrolled.text)")
      let studyID = try #require(enrolled.object?["study_id"] as? String)
      let duplicate = try t.server.request("POST", "/patients", json: candidate, token: t.token)
      #expect(duplicate.status == 409, "\(duplicate.text)")
      var statuses = [201, 201, 409]  // the sign-in, the enrollment, the duplicate
      for path in ["/patients/\(studyID)", "/patients/\(studyID)?identify=true"] {
        let shown = try t.server.request("GET", path, token: t.token)
        #expect(shown.status == 200, "\(shown.text)")
        #expect(shown.text.contains("LOGMRN-40417") == path.hasSuffix("identify=true"))
        statuses.append(200)
      }
      let anonymous = try t.server.request("GET", "/patients/\(studyID)")
      #expect(anonymous.status == 401)
      statuses.append(401)
      let nowhere = try t.server.request("GET", "/no-such-route", token: t.token)
      #expect(nowhere.status == 404)
      statuses.append(404)

      kill(t.server.pid, SIGTERM)
      #expect(t.server.waitUntilExit() == 0)
      let log = t.server.log
      let lines = log.split(separator: "\n").filter { $0.contains(" request_id=") }
      #expect(lines.count == statuses.count, "\(log)")
      for (line, status) in zip(lines, statuses) {
        for field in ["request_id=", "method=", "route=", "duration_ms=", "user="] {
          #expect(line.contains(field), "\(field) missing: \(line)")
        }
        #expect(line.contains("status=\(status)"), "\(line)")
      }
      #expect(lines.filter { $0.contains("route=/patients/{study_id}") }.count == 3, "\(log)")
      #expect(lines.filter { $0.contains("user=\(t.coordinator)") }.count >= 5, "\(log)")
      for secret in [
        "LOGMRN", "Zenobia", "Quillfeather", "1979-11-23", studyID,
        ServiceIdentityTests.password, t.token, String(t.token.split(separator: ".")[1]),
        "identify",
      ] {
        #expect(!log.contains(secret), "the log holds \(secret): \(log)")
      }
    }
  }

  @Test func aRetryAfterADroppedResponseEnrollsOnceWithTheSameStudyID() throws {
    try TestDatabase.with { db in
      let t = try Served(db, pool: 2)
      defer { t.server.stop() }
      let watcher = try db.connect()
      let holder = try Self.lockPatients(db)
      // The first attempt reaches the database, and its client hangs up before the answer.
      let body = try JSONSerialization.data(
        withJSONObject: EnrollmentRouteTests.candidate(mrn: "DROP-1"))
      let port = try #require(t.server.baseURL.port)
      let socket = try #require(RawSocket(port: port))
      try socket.send(
        "POST /patients HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(t.token)\r\n"
          + "Content-Type: application/json\r\nIdempotency-Key: drop-1\r\n"
          + "Content-Length: \(body.count)\r\n\r\n" + String(decoding: body, as: UTF8.self))
      #expect(try Self.eventually { try t.sessions(watcher).waiting == 1 })
      socket.close()
      try holder.execute("ROLLBACK")
      // The enrollment commits although nobody reads its answer.
      #expect(try Self.eventually { try Self.count(db, mrnLike: "DROP-1") == 1 })
      let stored: String = try watcher.query(
        "SELECT study_id FROM identity.patient_identity WHERE mrn = 'DROP-1'"
      ).rows[0].decode("study_id")

      let retry = try t.server.request(
        "POST", "/patients", json: EnrollmentRouteTests.candidate(mrn: "DROP-1"),
        token: t.token, headers: ["Idempotency-Key": "drop-1"])
      #expect(retry.status == 201, "\(retry.text)")
      #expect(retry.headers["idempotent-replayed"] == "true")
      #expect(retry.object?["study_id"] as? String == stored, "\(retry.text)")
      #expect(try Self.count(db, mrnLike: "DROP-1") == 1)
    }
  }

  /// `DatabasePool.offload` hands its result back through the `ReturnPath` asked for on the
  /// calling thread (the service's event loop, in `mscreg serve`), once per job, for a value
  /// and for an error alike; without one it resumes the caller directly.
  @Test func offloadResumesThroughTheReturnPath() async throws {
    final class Count: @unchecked Sendable {
      private let lock = NSLock()
      private var n = 0
      func add() { lock.withLock { n += 1 } }
      var value: Int { lock.withLock { n } }
    }
    let asked = Count()
    let used = Count()
    let queue = DispatchQueue(label: "the caller's loop")
    let pool = DatabasePool(
      conninfo: "dbname=unused", size: 2,
      returnPath: {
        asked.add()
        return { closure in
          used.add()
          queue.async(execute: closure)
        }
      })
    defer { pool.shutdown() }
    #expect(try await pool.offload { 41 + 1 } == 42)
    #expect(asked.value == 1 && used.value == 1)
    await #expect(throws: RegistryError.self) {
      try await pool.offload { () throws -> Int in throw RegistryError.conflict("x", "y") }
    }
    #expect(asked.value == 2 && used.value == 2)
    let direct = DatabasePool(conninfo: "dbname=unused", size: 1)
    defer { direct.shutdown() }
    #expect(try await direct.offload { "done" } == "done")
  }
}
