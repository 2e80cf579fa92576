import Foundation
import Testing

/// A fixed set of threads for tests that block: libpq calls, child processes, `Thread.sleep`.
///
/// Swift Testing runs every test as a task on Swift's cooperative pool, which has one thread
/// per core (two on a 2-core machine). A synchronous database test holds its thread while it
/// waits on the server, so only two such tests ran at once and the machine sat mostly idle
/// between them. Tests of a suite marked `@Suite(.blocking)` run instead on these threads (a
/// task executor preference, `withTaskExecutorPreference`), so up to `width` blocking tests
/// overlap their waits, and the cooperative pool stays free for the pure tests.
///
/// Width: `MSCREG_TEST_THREADS` (default 8). Each running test holds a few connections (the
/// administrative one, the test's own, those of in-process CLI runs; the load test 16), far
/// below the embedded server's 200 at the default width.
public final class TestThreads: TaskExecutor, @unchecked Sendable {
  /// The process's pool.
  public static let shared = TestThreads(
    width: ProcessInfo.processInfo.environment["MSCREG_TEST_THREADS"].flatMap(Int.init)
      .map { max(1, $0) } ?? 8)

  /// How many threads run jobs.
  public let width: Int
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []

  init(width: Int) {
    self.width = width
    for index in 0..<width {
      let thread = Thread { [self] in self.work() }
      thread.name = "mscreg-test-\(index)"
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// Queues a job. Last in, first out: a test that resumes after an `await` goes before tests
  /// not yet started, so a started test (and its database) ends as soon as it can.
  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeLast()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// Runs a suite's tests (or one test's) on `TestThreads.shared`: `@Suite(.blocking)`.
///
/// For every test that blocks its thread: database tests (`TestDatabase.with`), runs of the
/// built binary (`CLIRunner.runBinary`), tests that start servers or browsers.
public struct BlockingTrait: SuiteTrait, TestTrait, TestScoping {
  /// Applies to every test of the suite and of its nested suites.
  public var isRecursive: Bool { true }

  /// Runs `function` with `TestThreads.shared` as the task executor preference.
  public func provideScope(
    for test: Test, testCase: Test.Case?,
    performing function: @Sendable () async throws -> Void
  ) async throws {
    try await withTaskExecutorPreference(TestThreads.shared) { try await function() }
  }
}

extension Trait where Self == BlockingTrait {
  /// The suite's (or test's) bodies block their thread; run them on `TestThreads`.
  public static var blocking: Self { BlockingTrait() }
}
