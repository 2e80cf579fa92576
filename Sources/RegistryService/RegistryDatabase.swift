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
  public init(conninfo: String) { self.conninfo = conninfo }

  /// Opens a session (throws `.unavailable`, exit 69, when the server cannot be reached).
  func open() throws -> Store { try Store(conninfo: conninfo) }
}
