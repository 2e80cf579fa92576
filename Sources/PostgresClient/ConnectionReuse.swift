import CLibPQ
import Foundation

/// Idle connections kept open to be used again, for a process that opens many short sessions
/// to the same few databases as the same few logins: the test suite, whose every in-process
/// `mscreg` run and fixture service call opened a new session (a new server process: a fork,
/// the login, cold catalog caches), which was most of the test cluster's CPU time.
///
/// Off unless a scope turns it on: a `Connection` opened while `ConnectionReuse.active` is set
/// (`ConnectionReuse.$active.withValue(.shared) { … }`) takes an idle session opened with the
/// same conninfo, if one is kept, and on `close()` (or when released) goes back to it instead
/// of ending, when it is idle (no transaction or COPY open) and libpq counts it good. The
/// registry's own programs never turn it on.
///
/// A session taken again is first reset as `DISCARD ALL` would be (role, settings, prepared
/// statements, cursors, advisory locks, temporary tables), and is used only if its login could
/// log in now: it may still log in (`rolcanlogin`, `rolvaliduntil`), may connect to the
/// database, and is not a password login (a member of `mscreg_password_login`, whose password
/// may have changed since). Else it is ended and a new session is opened, whose login the
/// server checks as usual. Not for tests whose point is the login itself or a session's start.
public final class ConnectionReuse: @unchecked Sendable {
  /// The reuse in force for connections opened in this task (nil: every connection is new).
  @TaskLocal public static var active: ConnectionReuse?

  /// The process's idle sessions (at most 48: below the test cluster's 200 connections with
  /// eight tests running).
  public static let shared = ConnectionReuse(limit: 48)

  private let lock = NSLock()
  private var idle: [(conninfo: String, conn: OpaquePointer)] = []
  private let limit: Int

  /// A store of at most `limit` idle sessions (the oldest is ended past it).
  public init(limit: Int) { self.limit = max(0, limit) }

  /// How many idle sessions are kept now.
  public var idleCount: Int { lock.withLock { idle.count } }

  /// An idle session opened with `conninfo`, reset and checked, or nil.
  func take(_ conninfo: String) -> OpaquePointer? {
    while true {
      let found: OpaquePointer? = lock.withLock {
        guard let i = idle.lastIndex(where: { $0.conninfo == conninfo }) else { return nil }
        return idle.remove(at: i).conn
      }
      guard let found else { return nil }
      if Self.reset(found) { return found }
      PQfinish(found)
    }
  }

  /// Keeps `conn` (opened with `conninfo`) if it is idle and good; else ends it.
  func give(_ conninfo: String, _ conn: OpaquePointer) {
    guard PQstatus(conn) == CONNECTION_OK, PQtransactionStatus(conn) == PQTRANS_IDLE else {
      PQfinish(conn)
      return
    }
    let evicted: OpaquePointer? = lock.withLock {
      idle.append((conninfo, conn))
      return idle.count > limit ? idle.removeFirst().conn : nil
    }
    if let evicted { PQfinish(evicted) }
  }

  /// Ends every idle session to `database` (before it is dropped).
  public func closeAll(database: String) {
    let ended: [OpaquePointer] = lock.withLock {
      let (gone, kept) = (
        idle.filter { String(cString: PQdb($0.conn)) == database },
        idle.filter { String(cString: PQdb($0.conn)) != database }
      )
      idle = kept
      return gone.map(\.conn)
    }
    for conn in ended { PQfinish(conn) }
  }

  /// Resets a session as `DISCARD ALL` does (which may not run in the implicit transaction of
  /// a multi-statement string) and checks that its login may still log in; one round trip.
  /// A login that may not call `pg_advisory_unlock_all` (the registry revokes it) cannot
  /// have taken a session-level advisory lock either.
  static func reset(_ conn: OpaquePointer) -> Bool {
    guard PQstatus(conn) == CONNECTION_OK, PQtransactionStatus(conn) == PQTRANS_IDLE else {
      return false
    }
    guard let result = PQexec(conn, resetSQL) else { return false }
    defer { PQclear(result) }
    return PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
      && String(cString: PQgetvalue(result, 0, 0)) == "t"
      && PQtransactionStatus(conn) == PQTRANS_IDLE
  }

  static let resetSQL = """
    CLOSE ALL; RESET ROLE; RESET ALL; DEALLOCATE ALL;
    DO $$ BEGIN PERFORM pg_advisory_unlock_all();
    EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
    DISCARD TEMP;
    SELECT r.rolcanlogin AND (r.rolvaliduntil IS NULL OR r.rolvaliduntil > now())
      AND d.datallowconn AND has_database_privilege(d.oid, 'CONNECT')
      AND NOT EXISTS (
        SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
        WHERE m.member = r.oid AND g.rolname = 'mscreg_password_login')
    FROM pg_roles r, pg_database d
    WHERE r.rolname = session_user AND d.datname = current_database()
    """
}
