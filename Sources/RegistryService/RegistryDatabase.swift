import Foundation
import RegistryDomain
import RegistryStore

/// Where the registry lives: a libpq conninfo string or URI.
///
/// An empty string means libpq's defaults (`PGHOST`, `PGDATABASE`, `PGSERVICE`, `~/.pgpass`, …).
/// Each use case opens its own session, runs one transaction and closes it.
public struct RegistryDatabase: Sendable {
  /// The conninfo string or URI handed to libpq.
  public let conninfo: String

  /// Creates a handle; nothing is connected until a use case runs.
  public init(conninfo: String) {
    self.conninfo = conninfo
    self.session = nil
  }

  /// When set, every use case reuses this one session (see `persistent(conninfo:)`).
  let session: PersistentSession?

  /// Creates a handle whose use cases all run on one connection kept open: for a single
  /// writer thread that runs use case after use case (the load benchmark). Not for
  /// concurrent use.
  public static func persistent(conninfo: String) -> RegistryDatabase {
    RegistryDatabase(conninfo: conninfo, session: PersistentSession())
  }

  init(conninfo: String, session: PersistentSession?) {
    self.conninfo = conninfo
    self.session = session
  }

  /// Opens a session (throws `.unavailable`, exit 69, when the server cannot be reached).
  func open() throws -> Store {
    guard let session else { return try Store(conninfo: conninfo) }
    return try session.store(conninfo)
  }
}

/// The one open session of a persistent `RegistryDatabase`.
final class PersistentSession: @unchecked Sendable {
  private let lock = NSLock()
  private var cached: Store?

  func store(_ conninfo: String) throws -> Store {
    try lock.withLock {
      if let cached { return cached }
      let store = try Store(conninfo: conninfo)
      cached = store
      return store
    }
  }
}
