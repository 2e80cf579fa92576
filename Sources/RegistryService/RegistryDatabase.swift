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
  /// The migrations folder whose schema every session requires (nil: no check).
  public let requiredSchema: URL?

  /// Creates a handle; nothing is connected until a use case runs.
  ///
  /// With `requiredSchema`, every session opened for a use case first checks that the
  /// database holds exactly that folder's migrations (`Migrator.requireCurrent`): the CLI's
  /// commands pass the folder `db migrate` applies, so a database that is not migrated, or
  /// is newer than the binary, is refused at connect (exit 69) instead of failing mid-way.
  ///
  /// `environment` supplies the session settings `Store` reads (`MSCREG_LOCK_TIMEOUT`,
  /// `MSCREG_STATEMENT_TIMEOUT`); the CLI passes its run's environment.
  public init(
    conninfo: String, requiredSchema: URL? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.init(
      conninfo: conninfo, requiredSchema: requiredSchema, session: nil, environment: environment)
  }

  /// The environment whose `MSCREG_*` session settings every session applies.
  let environment: [String: String]

  /// When set, every use case reuses this one session (see `persistent(conninfo:)`).
  let session: PersistentSession?

  /// Creates a handle whose use cases all run on one connection kept open: for a single
  /// writer thread that runs use case after use case (the load benchmark). Not for
  /// concurrent use.
  public static func persistent(conninfo: String, requiredSchema: URL? = nil) -> RegistryDatabase {
    RegistryDatabase(
      conninfo: conninfo, requiredSchema: requiredSchema, session: PersistentSession(),
      environment: ProcessInfo.processInfo.environment)
  }

  init(
    conninfo: String, requiredSchema: URL?, session: PersistentSession?,
    environment: [String: String]
  ) {
    self.conninfo = conninfo
    self.requiredSchema = requiredSchema
    self.session = session
    self.environment = environment
  }

  /// Opens a session for a use case (throws `.unavailable`, exit 69, when the server cannot be
  /// reached or, with `requiredSchema`, when the schema is not that folder's).
  func open() throws -> Store {
    guard let session else { return try openChecked() }
    return try session.store { try openChecked() }
  }

  private func openChecked() throws -> Store {
    let store = try Store(conninfo: conninfo, environment: environment)
    if let requiredSchema { try Migrator(directory: requiredSchema).requireCurrent(store) }
    return store
  }

  /// `conninfo` with the libpq variables of `environment` (`PGHOST`, `PGUSER` …) added as
  /// explicit settings: for a run whose environment is not the process's (an in-process CLI
  /// run).
  public static func conninfo(_ conninfo: String, applying environment: [String: String])
    -> String
  {
    Store.conninfo(conninfo, applying: environment)
  }

  /// Opens a session without the schema check: for `db migrate` and `db status`.
  func openForMigration() throws -> Store {
    try Store(conninfo: conninfo, environment: environment)
  }
}

/// The one open session of a persistent `RegistryDatabase`.
final class PersistentSession: @unchecked Sendable {
  private let lock = NSLock()
  private var cached: Store?

  init() {}

  /// A session over a store already open (one checked out of a `DatabasePool`).
  init(store: Store) { cached = store }

  func store(_ open: () throws -> Store) throws -> Store {
    try lock.withLock {
      if let cached { return cached }
      let store = try open()
      cached = store
      return store
    }
  }
}
