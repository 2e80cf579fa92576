import Foundation
import PostgresClient

/// Databases that already hold `RegistryFixture`'s registry (sites, example protocols, the
/// logins of the real roles, all written through the services as before), kept by the test
/// process so that a test's fixture is a `CREATE DATABASE … TEMPLATE` copy instead of some
/// twenty audited transactions (issue 13, item 7).
///
/// Login roles are cluster-wide and a copy keeps the names its template was built with (in
/// `registry.app_user`, `registry.user_site` and the hash-chained audit trail), so each
/// template comes with logins of its own and is lent to one test at a time: parallel tests
/// never share a database or a login. When the test's database is dropped the template is
/// lent again only if its logins are as they were built (attributes, password, memberships
/// and settings: a test may set a fixture login's password or grant it a role); otherwise
/// the template and its logins are dropped. More templates are built when every one is lent.
///
/// Templates are named `mscreg_fx_<process tag>_<suffix>`, their logins `u<suffix>_fx_…`.
/// The process keeps one idle session named `mscreg_fx_<process tag>` while it lives; a
/// process that finds templates of a tag with no such session (a test process that ended)
/// drops them and their logins.
final class FixtureTemplates: @unchecked Sendable {
  static let shared = FixtureTemplates()

  /// A template database and the prefix of its logins.
  struct Slot {
    let template: String
    let prefix: String
    let roles: String
  }

  private let lock = NSLock()
  private var free: [Slot] = []
  private var lent: [String: Slot] = [:]
  private var started = false
  /// Off when the administrative login is no superuser (it could not read whether a
  /// fixture login's password changed): every fixture is then built in its own database.
  private var enabled = false
  /// Row count of the registry's tables in a database freshly cloned from the migrated
  /// template (a database still in that state may become a fixture copy).
  private var pristineRows: Int?
  nonisolated(unsafe) private static var keeper: Connection?
  private let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)

  /// Replaces `db` (created from the migrated template and not written since) by a copy of a
  /// fixture template, under the same name; returns the prefix of its logins, or nil when
  /// `db` is not in that state (the caller then builds the fixture itself).
  func adopt(_ db: TestDatabase) throws -> String? {
    guard db.fromMigratedTemplate else { return nil }
    let admin = try ConnectionReuse.$active.withValue(.shared) {
      try Connection(conninfo: TestDatabase.adminConninfo)
    }
    try start(admin)
    guard lock.withLock({ enabled }) else { return nil }
    let rows = try Self.rowCount(db)
    if let pristine = lock.withLock({ pristineRows }), rows != pristine { return nil }
    let slot = try lock.withLock { free.popLast() } ?? build(admin)
    guard lock.withLock({ pristineRows }) == rows, try Self.closed(db, admin) else {
      lock.withLock { free.append(slot) }
      return nil
    }
    do {
      try admin.execute("DROP DATABASE \(db.name) WITH (FORCE)")
      try admin.execute("CREATE DATABASE \(db.name) TEMPLATE \(slot.template)")
    } catch {
      retire(slot, admin)
      throw error
    }
    lock.withLock { lent[db.name] = slot }
    return slot.prefix
  }

  /// After `database` (a copy) is dropped: its template is lent again if its logins are
  /// unchanged, else dropped with them.
  func release(database: String, _ admin: Connection) {
    guard let slot = lock.withLock({ lent.removeValue(forKey: database) }) else { return }
    if let now = try? Self.roleState(admin, prefix: slot.prefix), now == slot.roles {
      lock.withLock { free.append(slot) }
    } else {
      retire(slot, admin)
    }
  }

  /// Once per process: the keeper session, and templates of ended processes dropped.
  private func start(_ admin: Connection) throws {
    let first = lock.withLock {
      defer { started = true }
      return !started
    }
    guard first else { return }
    let superuser: Bool = try admin.query(
      "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).rows[0].decode("rolsuper")
    guard superuser else { return }
    lock.withLock { enabled = true }
    var parts = try Conninfo.parse(TestDatabase.adminConninfo).filter {
      $0.key != "application_name"
    }
    parts.append((key: "application_name", value: "mscreg_fx_" + tag))
    let keeperConninfo = parts.map { "\($0.key)=\(Conninfo.quote($0.value))" }
      .joined(separator: " ")
    Self.keeper = try ConnectionReuse.$active.withValue(nil) {
      try Connection(conninfo: keeperConninfo)
    }
    let stale = try admin.query(
      """
      SELECT datname FROM pg_database
      WHERE datname LIKE 'mscreg\\_fx\\_%' AND split_part(datname, '_', 3) NOT IN (
        SELECT substr(application_name, 11) FROM pg_stat_activity
        WHERE application_name LIKE 'mscreg\\_fx\\_%')
      """
    ).rows.map { row -> String in try row.decode("datname") }
    for name in stale {
      drop(template: name, prefix: "u" + name.split(separator: "_")[3] + "_", admin)
    }
  }

  /// Builds a template: a database cloned from the migrated template, the fixture written
  /// into it through the services (`RegistryFixture(building:)`), then renamed and closed to
  /// connections.
  private func build(_ admin: Connection) throws -> Slot {
    let db = try TestDatabase.create(migrated: true)
    do {
      let rows = try Self.rowCount(db)
      lock.withLock { pristineRows = rows }
      let logins = try ConnectionReuse.$active.withValue(.shared) {
        try RegistryFixture(building: db).logins
      }
      let suffix = String(db.name.dropFirst("mscreg_t_".count))
      let template = "mscreg_fx_\(tag)_\(suffix)"
      ConnectionReuse.shared.closeAll(database: db.name)
      try admin.execute("ALTER DATABASE \(db.name) WITH ALLOW_CONNECTIONS false")
      try admin.query(
        """
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = \(db.name) AND pid <> pg_backend_pid()
        """ as PostgresQuery)
      var attempt = 0
      while true {
        do {
          try admin.execute("ALTER DATABASE \(db.name) RENAME TO \(template)")
          break
        } catch {
          attempt += 1
          if attempt > 100 { throw error }
          Thread.sleep(forTimeInterval: 0.02)
        }
      }
      return Slot(
        template: template, prefix: logins.prefix,
        roles: try Self.roleState(admin, prefix: logins.prefix))
    } catch {
      db.drop()
      throw error
    }
  }

  private func retire(_ slot: Slot, _ admin: Connection) {
    drop(template: slot.template, prefix: slot.prefix, admin)
  }

  private func drop(template: String, prefix: String, _ admin: Connection) {
    _ = try? admin.execute("DROP DATABASE IF EXISTS \(template) WITH (FORCE)")
    let roles =
      (try? admin.query(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, \(prefix))" as PostgresQuery
      ).rows.compactMap { $0["rolname"] }) ?? []
    for role in roles { _ = try? admin.execute("DROP ROLE IF EXISTS \"\(role)\"") }
  }

  /// Whether every session to `db` has ended (the idle ones this process kept are ended
  /// here; a session the test itself still holds keeps `db` as it is).
  static func closed(_ db: TestDatabase, _ admin: Connection) throws -> Bool {
    ConnectionReuse.shared.closeAll(database: db.name)
    for _ in 0..<50 {
      let open: Int = try admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = \(db.name)"
          as PostgresQuery
      ).rows[0].decode("n")
      if open == 0 { return true }
      Thread.sleep(forTimeInterval: 0.01)
    }
    return false
  }

  /// Rows in the registry's tables (`registry`, `identity`, `audit`), in one round trip.
  static func rowCount(_ db: TestDatabase) throws -> Int {
    try ConnectionReuse.$active.withValue(.shared) {
      try db.connect().query(
        """
        SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(
          format('SELECT count(*) AS n FROM %I.%I', schemaname, tablename),
          false, true, '')))[1]::text::bigint), 0)::int AS n
        FROM pg_tables WHERE schemaname IN ('registry', 'identity', 'audit')
        """
      ).rows[0].decode("n")
    }
  }

  /// Everything cluster-wide about the logins starting with `prefix`: attributes, whether a
  /// password is set, memberships either way, role-wide settings.
  static func roleState(_ admin: Connection, prefix: String) throws -> String {
    try admin.query(
      """
      SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') AS s FROM (
        SELECT format('r %s %s %s %s %s %s %s %s %s %s %s', r.rolname, r.rolsuper,
          r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
          r.rolbypassrls, r.rolconnlimit, r.rolpassword IS NOT NULL, r.rolvaliduntil) AS line
        FROM pg_authid r WHERE starts_with(r.rolname, \(prefix))
        UNION ALL
        SELECT format('m %s %s %s', g.rolname, u.rolname, m.admin_option)
        FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
          JOIN pg_roles u ON u.oid = m.member
        WHERE starts_with(g.rolname, \(prefix)) OR starts_with(u.rolname, \(prefix))
        UNION ALL
        SELECT format('s %s %s %s', r.rolname, s.setdatabase, s.setconfig)
        FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
        WHERE starts_with(r.rolname, \(prefix))
      ) x
      """ as PostgresQuery
    ).rows[0].decode("s")
  }
}
