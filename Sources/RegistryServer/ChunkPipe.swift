import Foundation
import Hummingbird

/// Text written by a blocking producer (an export streaming rows from one database snapshot
/// on a pooled session) handed to the response writer in chunks of 64 KiB, with at most
/// `capacity` chunks waiting: a slow client slows the export down instead of filling memory,
/// and a client that goes away stops it (`cancel`, after which the producer's next write
/// throws and its transaction ends); so does a writer that takes nothing for `stallLimit`.
///
/// Written by hand: AsyncStream has no bounded buffer that blocks a producer thread, and the
/// producer here is synchronous libpq code that must not run on Swift's cooperative pool.
final class ChunkPipe: @unchecked Sendable {
  /// The most chunks waiting for the writer.
  let capacity: Int
  private let condition = NSCondition()
  private var chunks: [ByteBuffer] = []
  private var finished = false
  private var failure: (any Error)?
  private var cancelled = false
  private var waiter: CheckedContinuation<Void, Never>?
  /// The producer's chunk being filled (touched by the producer thread only).
  private var pending: [UInt8] = []

  /// How long the producer waits for the writer to take a chunk before it gives up.
  let stallLimit: TimeInterval

  init(capacity: Int = 4, stallLimit: TimeInterval = 300) {
    self.capacity = capacity
    self.stallLimit = stallLimit
    pending.reserveCapacity(1 << 16)
  }

  /// The client went away.
  struct Cancelled: Error {}

  // MARK: Producer

  /// Appends text; a full chunk is handed over (blocking while `capacity` chunks wait).
  func write(_ text: String) throws {
    pending.append(contentsOf: text.utf8)
    if pending.count >= 1 << 16 { try flush() }
  }

  /// Hands over what is pending.
  func flush() throws {
    guard !pending.isEmpty else { return }
    let chunk = ByteBuffer(bytes: pending)
    pending.removeAll(keepingCapacity: true)
    condition.lock()
    var deadline = Date().addingTimeInterval(stallLimit)
    while chunks.count >= capacity && !cancelled {
      if !condition.wait(until: deadline) {
        // The writer took nothing for `stallLimit`: the client stopped reading, or the
        // response was never written (the client went away before it began). Give the
        // pooled session back rather than hold it for ever.
        if chunks.count >= capacity { cancelled = true }
        deadline = Date().addingTimeInterval(stallLimit)
      }
    }
    if cancelled {
      condition.unlock()
      throw Cancelled()
    }
    chunks.append(chunk)
    let waiting = waiter
    waiter = nil
    condition.unlock()
    waiting?.resume()
  }

  /// The producer is done: with `error` when it failed (the writer then throws it).
  func finish(_ error: (any Error)?) {
    var error = error
    if error == nil {
      do { try flush() } catch let flushError { error = flushError }
    }
    condition.lock()
    finished = true
    failure = error
    let waiting = waiter
    waiter = nil
    condition.unlock()
    waiting?.resume()
  }

  // MARK: Consumer

  private enum Step {
    case chunk(ByteBuffer)
    case end((any Error)?)
    case wait
  }

  /// The next chunk; nil at the end; throws the producer's error.
  func next() async throws -> ByteBuffer? {
    while true {
      let step: Step = condition.withLock {
        if !chunks.isEmpty {
          let chunk = chunks.removeFirst()
          condition.signal()
          return .chunk(chunk)
        }
        return finished ? .end(failure) : .wait
      }
      switch step {
      case .chunk(let chunk): return chunk
      case .end(let error):
        if let error { throw error }
        return nil
      case .wait:
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
          let now = condition.withLock {
            if chunks.isEmpty && !finished {
              waiter = continuation
              return false
            }
            return true
          }
          if now { continuation.resume() }
        }
      }
    }
  }

  /// The consumer stops (the client went away): the producer's next write throws.
  func cancel() {
    condition.withLock {
      cancelled = true
      condition.broadcast()
    }
  }
}
