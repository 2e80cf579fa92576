import Foundation

/// Runs blocking work on threads of its own, at the same time, and waits for all of it.
///
/// For tests of concurrent writers: each body gets its own thread (not a thread of Swift's
/// cooperative pool, whose few threads a blocking libpq call would hold), so `count` bodies
/// really overlap.
public enum Concurrently {
  /// Runs `body(0) … body(count - 1)` on `count` threads and returns their results in index
  /// order; rethrows the first error (after every body has ended).
  public static func run<T: Sendable>(
    _ count: Int, _ body: @escaping @Sendable (Int) throws -> T
  ) throws -> [T] {
    let lock = NSLock()
    nonisolated(unsafe) var results: [Int: Result<T, any Error>] = [:]
    let group = DispatchGroup()
    for index in 0..<count {
      group.enter()
      let thread = Thread {
        let result = Result { try body(index) }
        lock.withLock { results[index] = result }
        group.leave()
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    group.wait()
    return try (0..<count).map { try results[$0]!.get() }
  }
}
