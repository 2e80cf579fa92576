import Foundation
import PostgresClient
import RegistryStore

/// A private database for one test, dropped when the test ends.
///
/// The server comes from `MSCREG_TEST_DATABASE` (a conninfo with the right to create
/// databases), else libpq's defaults (`make test` exports pg-local's `PG*` variables). There is
/// no fallback and no skip: when no server is reachable, the test fails with libpq's reason.
public struct TestDatabase: Sendable {
  /// The database's name.
  public let name: String
  /// A conninfo string that reaches it.
  public let conninfo: String

  /// Conninfo of the administrative connection (creates and drops test databases).
  public static var adminConninfo: String {
    ProcessInfo.processInfo.environment["MSCREG_TEST_DATABASE"] ?? ""
  }

  /// The repository's `sql/migrations` folder.
  public static let migrationsFolder: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("sql/migrations")

  /// The repository's root folder.
  public static var repositoryRoot: URL {
    migrationsFolder.deletingLastPathComponent().deletingLastPathComponent()
  }

  /// Runs `body` with a new database (migrated to the current schema unless `migrated` is
  /// false) and drops it afterwards, also when `body` throws.
  ///
  /// Synchronous on purpose: libpq calls block their thread, so a test that uses the database
  /// is a synchronous test (an `async` test would hold one of the few threads of Swift's
  /// cooperative pool while it waits on the server).
  ///
  /// Sessions opened in `body` on this task (fixture services, raw connections, in-process CLI
  /// runs) are kept open and used again (`ConnectionReuse.shared`), each reset and its login
  /// checked first; they end when the database is dropped.
  public static func with<T>(
    migrated: Bool = true, _ body: (TestDatabase) throws -> T
  ) throws -> T {
    let db = try create(migrated: migrated)
    do {
      let value = try ConnectionReuse.$active.withValue(.shared) { try body(db) }
      db.drop()
      return value
    } catch {
      db.drop()
      throw error
    }
  }

  /// Creates a new database; migrated ones are cloned from a template built once per schema.
  public static func create(migrated: Bool = true) throws -> TestDatabase {
    let admin = try ConnectionReuse.$active.withValue(.shared) {
      try Connection(conninfo: adminConninfo)
    }
    let name = "mscreg_t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    if migrated {
      let template = try templateLock.withLock {
        if let known = knownTemplate { return known }
        let built = try ensureTemplate(admin)
        knownTemplate = built
        return built
      }
      try admin.execute("CREATE DATABASE \(name) TEMPLATE \(template)")
    } else {
      try admin.execute("CREATE DATABASE \(name)")
    }
    return TestDatabase(
      name: name, conninfo: try Conninfo.replacingDatabase(in: adminConninfo, with: name))
  }

  /// Drops the database, ending any session still connected to it, and the login roles
  /// created for it (`userName(_:)`).
  public func drop() {
    ConnectionReuse.shared.closeAll(database: name)
    guard
      let admin = try? ConnectionReuse.$active.withValue(
        .shared,
        operation: {
          try Connection(conninfo: Self.adminConninfo)
        })
    else { return }
    _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    let roles =
      (try? admin.query(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, \(userPrefix))" as PostgresQuery
      ).rows.compactMap { $0["rolname"] }) ?? []
    for role in roles { _ = try? admin.execute("DROP ROLE IF EXISTS \"\(role)\"") }
  }

  /// Login roles are cluster-wide: a test's users carry its database's suffix.
  var userPrefix: String { "u" + name.dropFirst("mscreg_t_".count) + "_" }

  /// A login role name unique to this database (`u<db>_<short>`).
  public func userName(_ short: String) -> String { userPrefix + short }

  /// A conninfo that reaches this database as another login role.
  public func conninfo(asUser user: String) throws -> String {
    var parts = try Conninfo.parse(conninfo).filter { $0.key != "user" }
    parts.append((key: "user", value: user))
    return parts.map { "\($0.key)=\(Conninfo.quote($0.value))" }.joined(separator: " ")
  }

  /// Opens a raw connection to this database (for checks a test makes behind the registry).
  public func connect() throws -> Connection { try Connection(conninfo: conninfo) }

  /// The template this process found or built (the migration files do not change while the
  /// tests run): later databases are cloned without hashing the files and taking the lock.
  nonisolated(unsafe) private static var knownTemplate: String?
  private static let templateLock = NSLock()

  /// Name of the template for the current migration files; built under an advisory lock so
  /// that parallel test processes build it once.
  static func ensureTemplate(_ admin: Connection) throws -> String {
    let files = try Migrator(directory: migrationsFolder).files()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for file in files {
      for byte in (file.fileName + "\n" + file.sql).utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
      }
    }
    let template = "mscreg_tmpl_" + String(hash, radix: 16)
    try admin.query("SELECT pg_advisory_lock(7262001)")
    defer { _ = try? admin.query("SELECT pg_advisory_unlock(7262001)") }
    let exists =
      try admin.query(
        "SELECT 1 FROM pg_database WHERE datname = \(template)" as PostgresQuery
      ).rows.count == 1
    if exists { return template }
    // Templates of older schemas are no longer useful.
    for row in try admin.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'mscreg\\_tmpl\\_%'"
    ).rows {
      let old: String = try row.decode("datname")
      _ = try? admin.execute("DROP DATABASE IF EXISTS \(old) WITH (FORCE)")
    }
    let building = template + "_building"
    try admin.execute("DROP DATABASE IF EXISTS \(building) WITH (FORCE)")
    try admin.execute("CREATE DATABASE \(building)")
    do {
      let store = try Store(
        conninfo: try Conninfo.replacingDatabase(in: adminConninfo, with: building))
      try Migrator(directory: migrationsFolder).migrate(store)
    }
    try admin.execute("ALTER DATABASE \(building) RENAME TO \(template)")
    return template
  }
}
