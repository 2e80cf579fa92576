import Foundation
import RegistryDomain
import RegistryStore

/// A response the registry service stores for an Idempotency-Key.
public struct StoredResponse: Sendable {
  /// HTTP status.
  public let status: Int
  /// The body as sent.
  public let body: String
  /// True when this is the stored answer to an earlier request with the same key.
  public let replayed: Bool

  /// A response.
  public init(status: Int, body: String, replayed: Bool = false) {
    self.status = status
    self.body = body
    self.replayed = replayed
  }
}

/// A bounded pool of persistent database sessions for the registry service, each use of which
/// acts as one registry user.
///
/// The pool's login is the service's own (`mscreg user add NAME --role service`): it holds no
/// privilege of its own, and every use case run through `run(as:_:)` switches, inside each of
/// its transactions, into the role of the user the request comes from (`Store.actingRole`).
/// At most `size` sessions are open; a caller beyond them waits for one. A session whose
/// connection broke (the server restarted, say) is dropped and a new one opened on the next
/// use, so the pool outlives a database restart: while the server is down each use throws
/// `.unavailable`.
public final class DatabasePool: @unchecked Sendable {
  /// The service login's conninfo.
  public let conninfo: String
  /// The most sessions open at once.
  public let size: Int
  let environment: [String: String]
  private let condition = NSCondition()
  private var idle: [Store] = []
  private var open = 0
  private let workers: WorkerThreads
  private let returnPath: ReturnPath?

  /// Asked on the thread that calls `offload` (or `perform`), before the job leaves it: a way
  /// to run a closure back on that thread, or nil for none. The registry service answers with
  /// the event loop it is on, so that the caller resumes on the loop that owns its connection
  /// and writes its response there, instead of on whichever loop Swift's executor picks for a
  /// job that a worker thread resumes (half the time another one, and a thread switch more).
  public typealias ReturnPath =
    @Sendable () -> (@Sendable (_ closure: @escaping @Sendable () -> Void) -> Void)?

  /// Creates an empty pool; sessions open on first use. `returnPath`: see `ReturnPath`.
  public init(
    conninfo: String, size: Int,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    returnPath: ReturnPath? = nil
  ) {
    self.conninfo = conninfo
    self.size = max(1, size)
    self.environment = environment
    self.workers = WorkerThreads(limit: self.size)
    self.returnPath = returnPath
  }

  /// Runs `body` with a `RegistryDatabase` whose every transaction acts as `user` (nil: as the
  /// service's login itself, which may do nothing but read what PUBLIC may). Blocks while
  /// every session is in use. Throws `.unavailable` when no session can be opened.
  public func run<T>(as user: String?, _ body: (RegistryDatabase) throws -> T) throws -> T {
    try run(role: user, session: nil, body)
  }

  /// Runs `body` as the user a session token names: every transaction of the use case first
  /// checks, inside itself, that the token is still a live session of that user (no separate
  /// round trip), and throws `.unauthenticated` when it is not.
  public func run<T>(as credential: SessionCredential, _ body: (RegistryDatabase) throws -> T)
    throws -> T
  {
    try run(role: credential.user, session: credential.digest, body)
  }

  private func run<T>(role: String?, session: [UInt8]?, _ body: (RegistryDatabase) throws -> T)
    throws -> T
  {
    let store = try checkOut()
    store.actingRole = role
    store.actingSession = session
    defer {
      store.actingRole = nil
      store.actingSession = nil
      checkIn(store)
    }
    let database = RegistryDatabase(
      conninfo: conninfo, requiredSchema: nil, session: PersistentSession(store: store),
      environment: environment)
    return try body(database)
  }

  /// `run(as:_:)` with a session credential, on one of the pool's worker threads.
  public func perform<T: Sendable>(
    as credential: SessionCredential, _ body: @escaping @Sendable (RegistryDatabase) throws -> T
  ) async throws -> T {
    try await offload { try self.run(as: credential, body) }
  }

  /// `run(as:_:)` on one of the pool's worker threads, for a caller on an event loop or in
  /// Swift's cooperative pool, which must not block on libpq.
  public func perform<T: Sendable>(
    as user: String?, _ body: @escaping @Sendable (RegistryDatabase) throws -> T
  ) async throws -> T {
    try await offload { try self.run(as: user, body) }
  }

  /// Runs blocking work (libpq calls) on one of the pool's own worker threads and resumes the
  /// caller with its result (on the caller's thread when `returnPath` names a way back).
  ///
  /// The pool keeps up to `size` OS threads (started on demand, parked on a condition while
  /// idle), one per session it may open, so that `size` requests wait on the database at
  /// once and a job never waits for a thread while a session is free. Jobs beyond them queue
  /// in arrival order. (Dispatch's global queues, used before, size their threads to the
  /// cores on Linux and grow only when a monitor notices workers blocked: on a 2-core
  /// machine few requests reached the database at a time, however large the pool.)
  public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let back = returnPath?()
    return try await withCheckedThrowingContinuation { continuation in
      workers.submit {
        let result = Result { try body() }
        if let back {
          back { continuation.resume(with: result) }
        } else {
          continuation.resume(with: result)
        }
      }
    }
  }

  /// Runs a creating use case at most once per (`user`, `key`): the claim of the key, the use
  /// case and the stored response are one transaction. A retry with the same key and the same
  /// `requestDigest` gets the first response back and creates nothing; with another digest it
  /// is refused (409). A concurrent retry waits for the first and then replays it.
  ///
  /// `respond` runs the use case (its own transaction joins this one) and renders the
  /// response. A failure is passed to `failed`: a response it returns (a refusal, say) is
  /// stored and answered like a success when the transaction can still commit (a screening
  /// failure is logged and stays refused on retry); nil, or an aborted transaction, rolls
  /// everything back and rethrows, so that a retry runs the use case anew.
  public func runOnce(
    as user: SessionCredential, key: String, requestDigest: [UInt8],
    _ respond: (RegistryDatabase) throws -> StoredResponse,
    failed: (any Error) -> StoredResponse?
  ) throws -> StoredResponse {
    try run(as: user) { database in
      let store = try database.open()
      return try store.transaction(reason: "idempotent request") {
        let records = IdempotencyRepository(store)
        if let prior = try records.claim(key: key, digest: requestDigest) {
          guard prior.digest == requestDigest else {
            throw RegistryError.conflict(
              "Idempotency-Key", "was already used for a different request; use a new key")
          }
          guard let status = prior.status, let body = prior.body else {
            throw RegistryError(
              .internal, field: "Idempotency-Key", "the first request with this key left no answer")
          }
          return StoredResponse(status: status, body: body, replayed: true)
        }
        let response: StoredResponse
        do {
          response = try respond(database)
        } catch let original {
          guard let refusal = failed(original) else { throw original }
          do {
            try records.finish(key: key, status: refusal.status, body: refusal.body)
          } catch {
            throw original
          }
          return refusal
        }
        try records.finish(key: key, status: response.status, body: response.body)
        return response
      }
    }
  }

  /// Whether the database answers: one round trip on a pooled session (a broken session is
  /// dropped on the way). Throws `.unavailable` when it does not.
  public func ping() throws {
    try run(as: nil) { database in
      let store = try database.open()
      try store.ping()
    }
  }

  /// `runOnce(as:key:requestDigest:_:failed:)` on a thread of its own.
  public func performOnce(
    as user: SessionCredential, key: String, requestDigest: [UInt8],
    _ respond: @escaping @Sendable (RegistryDatabase) throws -> StoredResponse,
    failed: @escaping @Sendable (any Error) -> StoredResponse?
  ) async throws -> StoredResponse {
    try await offload {
      try self.runOnce(as: user, key: key, requestDigest: requestDigest, respond, failed: failed)
    }
  }

  /// Closes every idle session (in-flight ones close when they come back) and lets the worker
  /// threads end once the jobs queued are done.
  public func shutdown() {
    workers.stop()
    condition.lock()
    let closing = idle
    idle = []
    open -= closing.count
    condition.unlock()
    _ = closing
  }

  private func checkOut() throws -> Store {
    condition.lock()
    while idle.isEmpty && open >= size { condition.wait() }
    if let store = idle.popLast() {
      condition.unlock()
      if store.isUsable { return store }
      condition.lock()
      open -= 1
      condition.unlock()
      return try checkOut()
    }
    open += 1
    condition.unlock()
    do {
      return try Store(conninfo: conninfo, environment: environment)
    } catch {
      condition.lock()
      open -= 1
      condition.signal()
      condition.unlock()
      throw error
    }
  }

  private func checkIn(_ store: Store) {
    condition.lock()
    if store.isUsable {
      idle.append(store)
    } else {
      // The server went away: the idle sessions went with it. Drop them all, so that the
      // first request after it is back opens a new session instead of failing on a dead one.
      open -= 1 + idle.count
      idle = []
    }
    condition.signal()
    condition.unlock()
  }
}

/// The worker threads of a `DatabasePool`: at most `limit` OS threads, started when a job
/// finds none idle, each running queued jobs one after another in arrival order.
final class WorkerThreads: @unchecked Sendable {
  private let limit: Int
  private let condition = NSCondition()
  private var jobs: [@Sendable () -> Void] = []
  /// Index of the next job to run in `jobs` (the array is compacted when it drains).
  private var next = 0
  private var threads = 0
  private var idle = 0
  private var stopping = false

  init(limit: Int) { self.limit = max(1, limit) }

  /// Queues `job`; wakes an idle worker, or starts one while fewer than `limit` run.
  func submit(_ job: @escaping @Sendable () -> Void) {
    condition.lock()
    jobs.append(job)
    // A job more than the idle workers can take at once starts a worker (up to `limit`).
    let start = jobs.count - next > idle && threads < limit && (!stopping || threads == 0)
    if start { threads += 1 }
    let number = threads
    if idle > 0 { condition.signal() }
    condition.unlock()
    if start {
      let thread = Thread { [self] in work() }
      thread.name = "mscreg-db-\(number)"
      thread.start()
    }
  }

  /// Lets every worker end once the queue is empty.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
  }

  private func work() {
    condition.lock()
    while true {
      if next < jobs.count {
        let job = jobs[next]
        next += 1
        if next == jobs.count {
          jobs.removeAll(keepingCapacity: true)
          next = 0
        }
        condition.unlock()
        job()
        condition.lock()
        continue
      }
      if stopping { break }
      idle += 1
      condition.wait()
      idle -= 1
    }
    threads -= 1
    condition.unlock()
  }
}
