import Foundation
import PostgresClient
import RegistryDomain

/// One migration file `NNNN_name.sql`.
public struct MigrationFile: Sendable, Equatable {
  /// The number `NNNN`.
  public let version: Int
  /// The part after the number, without `.sql`.
  public let name: String
  /// The file's bytes as SQL text.
  public let sql: String
  /// The file name.
  public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

/// Applies `sql/migrations/NNNN_name.sql` files in order, each in its own transaction.
///
/// Every applied file is recorded in `public.schema_migrations` with its SHA-256 checksum
/// (computed by PostgreSQL's `sha256()` over the file's exact bytes). A session-level advisory
/// lock serialises concurrent migrators, so a file is never applied twice.
public struct Migrator {
  /// The folder holding the migration files.
  public let directory: URL

  /// Key of the advisory lock that serialises migrators (any constant unique to the registry).
  static let lockKey: Int64 = 0x6D73_6372_6567  // "mscreg"

  /// Creates a migrator over a folder of `NNNN_name.sql` files.
  public init(directory: URL) { self.directory = directory }

  /// Reads and checks the file names: `NNNN_name.sql`, numbers unique.
  ///
  /// Throws `.notFound` when the folder is missing, `.refused` for a malformed or duplicate name.
  public func files() throws -> [MigrationFile] {
    try names().map { version, name in
      let fileName = String(format: "%04d_%@.sql", version, name)
      let data = try Data(contentsOf: directory.appendingPathComponent(fileName))
      guard let sql = String(data: data, encoding: .utf8) else {
        throw RegistryError.refused("migrations", "\(fileName) is not UTF-8 text")
      }
      return MigrationFile(version: version, name: name, sql: sql)
    }
  }

  /// The number and name of every file, in order, without reading the files.
  ///
  /// Throws `.notFound` when the folder is missing, `.refused` for a malformed or duplicate name.
  public func names() throws -> [(version: Int, name: String)] {
    let entries: [String]
    do {
      entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    } catch {
      throw RegistryError.notFound(
        "migrations", "no migrations folder at \(directory.path)")
    }
    var result: [(version: Int, name: String)] = []
    for entry in entries.sorted() where entry.hasSuffix(".sql") {
      let stem = entry.dropLast(4)
      guard stem.count > 5, let underscore = stem.firstIndex(of: "_"),
        stem.distance(from: stem.startIndex, to: underscore) == 4,
        let version = Int(stem[..<underscore]),
        stem[stem.index(after: underscore)...].allSatisfy({
          $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_")
        })
      else {
        throw RegistryError.refused(
          "migrations", "\(entry) is not named NNNN_name.sql (lower-case name)")
      }
      if result.contains(where: { $0.version == version }) {
        throw RegistryError.refused("migrations", "two files carry number \(version)")
      }
      result.append((version, String(stem[stem.index(after: underscore)...])))
    }
    return result.sorted { $0.version < $1.version }
  }

  /// Refuses a database whose schema is not exactly this folder's: one query, run by every
  /// command except `db migrate` and `db status` when it connects.
  ///
  /// Throws `.unavailable` (exit 69) with `schema not migrated; run mscreg db migrate` when
  /// the database was never migrated, or lacks a file of this folder (migrated by an older
  /// binary; a role that may not read `public.schema_migrations` is on a database that lacks
  /// migration 0070, which lets every role read it), and with a line naming the unknown
  /// migration when the database holds one this folder does not have (a newer binary's).
  /// Checksums are left to `db migrate` and `db status`.
  public func requireCurrent(_ store: Store) throws {
    let known: [(version: Int, name: String)]
    do {
      known = try names()
    } catch let error as RegistryError where error.kind == .notFound {
      throw RegistryError.notFound(
        "database",
        "cannot check the schema: no migrations folder at \(directory.path) "
          + "(set MSCREG_MIGRATIONS to the registry's sql/migrations)")
    }
    let applied: [(version: Int, name: String)]
    do {
      applied = try store.connection.query(
        "SELECT version, name FROM public.schema_migrations ORDER BY version"
      ).rows.map { (try $0.decode("version"), try $0.decode("name")) }
    } catch let error as PostgresError
      where error.sqlState == .undefinedTable
      || error.sqlState == .insufficientPrivilege
    {
      throw Self.notMigrated
    } catch let error as PostgresError {
      throw StoreErrors.map(error)
    }
    let knownVersions = Set(known.map(\.version))
    if let unknown = applied.first(where: { !knownVersions.contains($0.version) }) {
      throw RegistryError(
        .unavailable, field: "database",
        String(
          format: "schema is newer than this mscreg (migration %04d_%@.sql is applied but "
            + "unknown to it); use the mscreg that migrated the database",
          unknown.version, unknown.name))
    }
    let appliedVersions = Set(applied.map(\.version))
    if known.contains(where: { !appliedVersions.contains($0.version) }) {
      throw Self.notMigrated
    }
  }

  /// `error: database: schema not migrated; run mscreg db migrate` (exit 69).
  public static let notMigrated = RegistryError(
    .unavailable, field: "database", "schema not migrated; run mscreg db migrate")

  /// Lists every migration as applied, pending, changed or missing.
  public func status(_ store: Store) throws -> [MigrationState] {
    let files = try files()
    return try store.mapped {
      try ensureTable(store.connection)
      return try states(files: files, connection: store.connection)
    }
  }

  /// Applies every pending migration in order and returns the ones it applied.
  ///
  /// Refuses, before applying anything, when an applied file changed or disappeared.
  /// `progress` is called before each file.
  @discardableResult
  public func migrate(_ store: Store, progress: (MigrationFile) -> Void = { _ in }) throws
    -> [MigrationFile]
  {
    let files = try files()
    let conn = store.connection
    return try store.mapped {
      try conn.query("SELECT pg_advisory_lock(\(Self.lockKey))" as PostgresQuery)
      defer { _ = try? conn.query("SELECT pg_advisory_unlock(\(Self.lockKey))" as PostgresQuery) }
      try ensureTable(conn)
      let current = try states(files: files, connection: conn)
      if let bad = current.first(where: { $0.state == "changed" }) {
        throw RegistryError.refused(
          "migration",
          String(
            format: "%04d_%@.sql was changed after it was applied (checksum differs); "
              + "add a new migration instead of editing an applied one", bad.version, bad.name))
      }
      if let gone = current.first(where: { $0.state == "missing" }) {
        throw RegistryError.refused(
          "migration",
          String(
            format: "%04d_%@.sql was applied but its file is missing", gone.version, gone.name))
      }
      let pending = Set(current.filter { $0.state == "pending" }.map(\.version))
      var applied: [MigrationFile] = []
      for file in files where pending.contains(file.version) {
        progress(file)
        try conn.transaction { conn in
          do {
            try conn.execute(file.sql)
          } catch var error as PostgresError {
            error.message = "\(file.fileName): \(error.message)"
            throw error
          }
          try conn.query(
            """
            INSERT INTO public.schema_migrations (version, name, checksum)
            VALUES (\(file.version), \(file.name),
                    encode(sha256(convert_to(\(file.sql), 'UTF8')), 'hex'))
            """ as PostgresQuery)
        }
        applied.append(file)
      }
      return applied
    }
  }

  private func ensureTable(_ conn: Connection) throws {
    try conn.execute(
      """
      CREATE TABLE IF NOT EXISTS public.schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL DEFAULT session_user
      )
      """)
  }

  private func states(files: [MigrationFile], connection conn: Connection) throws
    -> [MigrationState]
  {
    let applied = try conn.query(
      "SELECT version, name, checksum, applied_at, applied_by FROM public.schema_migrations")
    var byVersion: [Int: PostgresRow] = [:]
    for row in applied.rows { byVersion[try row.decode("version")] = row }
    var checksums: [Int: String] = [:]
    if !files.isEmpty {
      let sums = try conn.query(
        """
        SELECT ord::int AS version, encode(sha256(convert_to(body, 'UTF8')), 'hex') AS checksum
        FROM unnest(\(PostgresArray(files.map { $0.version }))::int[],
                    \(PostgresArray(files.map { $0.sql }))::text[]) AS f(ord, body)
        """ as PostgresQuery)
      for row in sums.rows { checksums[try row.decode("version")] = try row.decode("checksum") }
    }
    var result: [MigrationState] = []
    for file in files {
      if let row = byVersion.removeValue(forKey: file.version) {
        let stored: String = try row.decode("checksum")
        result.append(
          MigrationState(
            version: file.version, name: file.name,
            state: stored == checksums[file.version] ? "applied" : "changed",
            checksum: stored, appliedAt: try row.decode("applied_at"),
            appliedBy: try row.decode("applied_by")))
      } else {
        result.append(
          MigrationState(
            version: file.version, name: file.name, state: "pending",
            checksum: checksums[file.version], appliedAt: nil, appliedBy: nil))
      }
    }
    for (version, row) in byVersion.sorted(by: { $0.key < $1.key }) {
      result.append(
        MigrationState(
          version: version, name: try row.decode("name"), state: "missing",
          checksum: try row.decode("checksum"), appliedAt: try row.decode("applied_at"),
          appliedBy: try row.decode("applied_by")))
    }
    return result
  }
}
