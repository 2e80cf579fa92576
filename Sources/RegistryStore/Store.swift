import Foundation
import PostgresClient
import RegistryDomain

/// An open session with the registry database: the only door from the services to SQL.
///
/// Services open one `Store` per command, run each use case in one `transaction`, and hand the
/// store to repositories. Every `PostgresError` leaves this module as a `RegistryError`.
public final class Store {
  let connection: Connection
  /// Nesting of `transaction` bodies: inside one, a serialization failure or deadlock passes
  /// through `mapped` untouched, so that the transaction's retry sees it.
  private var transactionDepth = 0
  /// The last statement's SQL text, whose target (`registry.patient`, `registry.enroll`) a
  /// timeout names: found only then (`target(of:)`, a regular expression, was a third of the
  /// registry service's CPU time per request when it ran for every statement).
  private var lastSQL = ""
  /// The registry user this session acts as, or nil for the login itself.
  ///
  /// Set by the registry service (whose login is a `service` user): every `transaction` and
  /// `read` then runs in one transaction that first switches into this user's role
  /// (`set_config('role', …, true)`, i.e. `SET LOCAL ROLE`), so grants, row-level security and
  /// the audit trail (`registry.actor()`) are this user's. PostgreSQL refuses the switch
  /// (permission denied, exit 77) into a role the login is not a member of.
  public var actingRole: String?
  /// The SHA-256 digest of the registry service session token the acting user signed in with,
  /// or nil. When set, every outermost `transaction` (and `read`) checks, right after the
  /// role switch and inside the same transaction, that it is a live session of `actingRole`
  /// (`registry.session_valid`): no separate round trip before the use case. An unknown or
  /// expired token, or a role the login may not switch into, throws `.unauthenticated`.
  public var actingSession: [UInt8]?
  /// The session's `lock_timeout` and `statement_timeout`, as PostgreSQL prints them.
  public private(set) var timeouts: (lock: String, statement: String) = ("", "")

  /// Default `lock_timeout` of a registry session (see README, "Connecting").
  public static let defaultLockTimeout = "10s"
  /// Default `statement_timeout` of a registry session (see README, "Connecting").
  public static let defaultStatementTimeout = "5min"

  /// Connects with a libpq conninfo string or URI (empty: libpq's defaults and `PG*` variables).
  ///
  /// Throws `RegistryError` of kind `.unavailable` (exit 69) with libpq's reason.
  /// Every session gets a `lock_timeout` and a `statement_timeout`: `$MSCREG_LOCK_TIMEOUT`
  /// and `$MSCREG_STATEMENT_TIMEOUT` when set (any PostgreSQL duration, `0` disables); else a
  /// value the session already has from the conninfo's `options`, `PGOPTIONS` or the role's
  /// or database's settings; else `defaultLockTimeout` and `defaultStatementTimeout`. A
  /// malformed value is refused (exit 65) naming the variable.
  public init(conninfo: String, environment: [String: String] = ProcessInfo.processInfo.environment)
    throws
  {
    // One round trip in the common case: the date styles, and each timeout the session
    // already has (conninfo, PGOPTIONS, role or database settings) or else the default. A
    // timeout given in the environment is then set on its own, so that a malformed value is
    // refused naming its variable.
    let keptOrDefault = { (setting: String, fallback: String) in
      "CASE WHEN pg_catalog.current_setting('\(setting)') = '0' "
        + "THEN pg_catalog.set_config('\(setting)', \(Self.literal(fallback)), false) "
        + "ELSE pg_catalog.current_setting('\(setting)') END"
    }
    var opened: (lock: String, statement: String)
    do {
      connection = try Connection(conninfo: conninfo)
      let row = try connection.execute(
        "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SELECT "
          + keptOrDefault("lock_timeout", Self.defaultLockTimeout) + " AS lock, "
          + keptOrDefault("statement_timeout", Self.defaultStatementTimeout) + " AS statement"
      ).rows[0]
      opened = (try row.decode("lock"), try row.decode("statement"))
    } catch let error as PostgresError {
      throw RegistryError(.unavailable, field: "database", StoreErrors.oneLine(error.message))
    }
    func override(_ setting: String, variable: String) throws -> String? {
      guard let value = environment[variable] else { return nil }
      do {
        return try connection.query(
          "SELECT set_config(\(setting), \(value), false) AS v" as PostgresQuery
        ).rows[0].decode("v")
      } catch let error as PostgresError {
        throw RegistryError.refused(
          "$" + variable, "is not a PostgreSQL duration such as 10s or 2min: \(error.message)")
      }
    }
    if let lock = try override("lock_timeout", variable: "MSCREG_LOCK_TIMEOUT") {
      opened.lock = lock
    }
    if let statement = try override("statement_timeout", variable: "MSCREG_STATEMENT_TIMEOUT") {
      opened.statement = statement
    }
    timeouts = opened
  }

  /// A SQL string literal of `text` (quotes doubled).
  static func literal(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
  }

  /// Runs `body` in one transaction; commits when it returns, rolls back when it throws.
  ///
  /// `reason` is recorded in the audit row of every change made in the transaction, and is
  /// required by the database for updates and deletes. Serialization failures and deadlocks
  /// are retried.
  ///
  /// `readOnly` starts a READ ONLY transaction: what reports and exports run in, so that they
  /// also run against a hot standby (no temporary tables, no writes).
  ///
  /// Inside another `transaction` of this store the body runs in that one (a use case the
  /// registry service wraps with its Idempotency-Key claim): `isolation` and `readOnly` are
  /// then the outer transaction's, and `reason`, when given, applies from here on.
  public func transaction<T>(
    reason: String? = nil, isolation: IsolationLevel = .readCommitted, readOnly: Bool = false,
    _ body: () throws -> T
  ) throws -> T {
    if transactionDepth > 0 {
      return try nested(reason: reason, body)
    }
    // Under an acting role, the switch into it and the session check go with BEGIN in one
    // round trip (`prelude`), instead of three.
    let prelude = actingRole.map { Self.prelude(role: $0, session: actingSession) }
    let checksSession = actingSession != nil
    var wrote = false
    let value = try mapped {
      try connection.transaction(
        isolation: isolation, readOnly: readOnly, prelude: prelude,
        preludeFailed: { error in
          // A role the login may not switch into, or a check the role may not run: the token
          // is not a live session of that user.
          checksSession ? Self.sessionRejected as any Error : error as any Error
        }
      ) { conn, opened in
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        if checksSession {
          let valid = try opened.rows.first?.decode("ok", as: Bool?.self) ?? nil
          guard valid == true else { throw Self.sessionRejected }
        }
        if let reason {
          try conn.query("SELECT set_config('mscreg.reason', \(reason), true)" as PostgresQuery)
        }
        let value = try body()
        if !readOnly {
          // A transaction that wrote commits without waiting for its WAL flush, so that the
          // audit chain's lock (a row lock, held to the end of the commit) is not held through
          // the flush; awaitDurable below waits for it before the caller hears of success.
          wrote = try conn.query(
            """
            SELECT set_config('synchronous_commit', 'off', true) IS NOT NULL
               AND pg_catalog.txid_current_if_assigned() IS NOT NULL AS wrote
            """ as PostgresQuery
          ).rows[0].decode("wrote")
        }
        return value
      }
    }
    if wrote { try awaitDurable() }
    return value
  }

  /// Returns once everything committed so far is on disk: a synchronous commit of a WAL
  /// record of its own (a logical message, ignored by replay), which flushes the WAL up to
  /// it, this session's earlier commit included. Write transactions commit with
  /// `synchronous_commit = off` and call this after COMMIT: the caller is told of success only
  /// once the commit is durable, and the flush is shared with other sessions' (group commit)
  /// instead of being waited for under the audit chain's lock.
  /// On a hot standby (nothing to flush) it does nothing.
  public func awaitDurable() throws {
    try mapped {
      try connection.query(
        """
        SELECT CASE WHEN NOT pg_catalog.pg_is_in_recovery()
               THEN pg_catalog.pg_logical_emit_message(true, 'mscreg', '') END AS lsn
        """ as PostgresQuery)
    }
  }

  /// The statements that open a transaction under `role`: `SET LOCAL ROLE` (as
  /// `set_config('role', …, true)`), then, with a session token's digest, its check
  /// (`registry.session_valid`, column `ok`) as that role. Values as SQL literals: the role
  /// quoted, the digest in hexadecimal.
  static func prelude(role: String, session: [UInt8]?) -> String {
    var sql = "SELECT set_config('role', \(literal(role)), true)"
    if let session {
      let hex = hexadecimal(session)
      sql += "; SELECT registry.session_valid(decode('\(hex)', 'hex')) AS ok"
    }
    return sql
  }

  /// Bytes as lowercase hexadecimal, two digits each (without `String(format:)`, which cost
  /// the registry service more CPU per request than the rest of the session check).
  static func hexadecimal(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// A transaction inside another one (a use case the registry service wraps with its
  /// Idempotency-Key claim): its body runs under a savepoint, so that a use case that fails
  /// and catches its own failure (the set-wise import falling back to row by row) finds the
  /// transaction as it was, exactly as when it runs alone.
  private func nested<T>(reason: String?, _ body: () throws -> T) throws -> T {
    let savepoint = "mscreg_nested_\(transactionDepth)"
    try mapped {
      try connection.execute("SAVEPOINT \(savepoint)")
      if let reason {
        try connection.query(
          "SELECT set_config('mscreg.reason', \(reason), true)" as PostgresQuery)
      }
    }
    transactionDepth += 1
    defer { transactionDepth -= 1 }
    do {
      let value = try body()
      try mapped { try connection.execute("RELEASE SAVEPOINT \(savepoint)") }
      return value
    } catch {
      _ = try? connection.execute("ROLLBACK TO SAVEPOINT \(savepoint)")
      throw error
    }
  }

  /// What an unknown or expired session token (or a role the login may not act as) throws.
  static let sessionRejected = RegistryError(
    .unauthenticated, field: "Authorization", "the session token is unknown or expired")

  /// Sets a server setting for the rest of the caller's transaction (`SET LOCAL`), e.g.
  /// `work_mem` for a report; allowed in a READ ONLY transaction and on a hot standby.
  public func setLocal(_ setting: String, _ value: String) throws {
    try mapped {
      try connection.query("SELECT set_config(\(setting), \(value), true)" as PostgresQuery)
    }
  }

  /// Runs `body` outside an explicit transaction (each statement commits on its own); with
  /// an `actingRole`, inside one transaction under that role.
  public func read<T>(_ body: () throws -> T) throws -> T {
    if actingRole != nil && transactionDepth == 0 { return try transaction(body) }
    return try mapped(body)
  }

  /// Runs one read-only `statement` (SQL text without parameters) as the registry user
  /// `role`, in ONE round trip: the simple-query protocol carries
  /// `SELECT set_config('role', …, true)` and the statement together, PostgreSQL runs them as
  /// one implicit transaction, and the switch ends with it. Returns the statement's rows.
  ///
  /// For the registry service's per-request session check, which as a `transaction` took
  /// four round trips (BEGIN, the switch, the statement, COMMIT). Privileges, row-level
  /// security and `registry.actor()` are `role`'s, as in a transaction under `actingRole`; a
  /// role the login may not switch into is refused (permission denied). `role` is quoted as
  /// an SQL literal. Not inside a `transaction` of this store.
  public func readAsRole(_ role: String, _ statement: String) throws -> [PostgresRow] {
    precondition(transactionDepth == 0, "readAsRole inside a transaction")
    return try mapped {
      try connection.execute("SELECT set_config('role', \(Self.literal(role)), true); \(statement)")
        .rows
    }
  }

  /// One round trip to the server (`SELECT 1`, outside any transaction and role switch).
  public func ping() throws {
    try mapped { _ = try connection.query("SELECT 1") }
  }

  /// True while the session's connection is open and good (false once the server went away).
  public var isUsable: Bool { connection.isUsable }

  /// A SCRAM-SHA-256 verifier of `password` for `user`, computed by libpq on this side (the
  /// password never reaches the server).
  func scramVerifier(password: String, user: String) throws -> String {
    try mapped { try connection.scramVerifier(password: password, user: user) }
  }

  /// Whether `password` is `user`'s, as PostgreSQL itself decides: a login attempt as `user`
  /// with `conninfo`'s server and database. True only when the server asked for the password
  /// and accepted it (a server that trusts the login without one answers false: a password
  /// proves nothing there). False for a wrong password or an unknown login; throws
  /// `.unavailable` when the server cannot be reached.
  public static func passwordAccepted(conninfo: String, user: String, password: String) throws
    -> Bool
  {
    try login(conninfo: conninfo, user: user, password: password) == .withPassword
  }

  /// Whether the server lets `user` in when it gives `password`: for `mscreg serve`'s check
  /// that its own login is not let in with a wrong one. Throws `.unavailable` when the server
  /// cannot be reached.
  public static func letsIn(conninfo: String, user: String, password: String) throws -> Bool {
    try login(conninfo: conninfo, user: user, password: password) != .refused
  }

  /// How a login attempt ended.
  enum LoginOutcome { case refused, withoutPassword, withPassword }

  static func login(conninfo: String, user: String, password: String) throws -> LoginOutcome {
    do {
      var parts = try Conninfo.parse(conninfo).filter { $0.key != "user" && $0.key != "password" }
      parts.append((key: "user", value: user))
      parts.append((key: "password", value: password))
      let attempt = parts.map { "\($0.key)=\(Conninfo.quote($0.value))" }.joined(separator: " ")
      let connection = try Connection(conninfo: attempt)
      defer { connection.close() }
      return connection.usedPassword ? .withPassword : .withoutPassword
    } catch let error as PostgresError {
      let refusals = [
        "password authentication failed", "no password supplied", "not permitted to log in",
        "SCRAM authentication",
      ]
      if refusals.contains(where: { error.message.contains($0) }) { return .refused }
      if error.message.contains("role \"") && error.message.contains("does not exist") {
        return .refused
      }
      throw RegistryError(.unavailable, field: "database", StoreErrors.oneLine(error.message))
    }
  }

  /// The session's login, and whether it is shaped as a service login must be: neither a
  /// superuser nor one that bypasses row-level security, and NOINHERIT (it holds nothing of
  /// the roles it may switch into).
  public func loginRole() throws -> (name: String, serviceShaped: Bool) {
    try mapped {
      let row = try connection.query(
        """
        SELECT session_user::text AS name,
               NOT (r.rolsuper OR r.rolbypassrls OR r.rolinherit) AS shaped
        FROM pg_catalog.pg_roles r WHERE r.rolname = session_user
        """
      ).rows[0]
      return (try row.decode("name"), try row.decode("shaped"))
    }
  }

  /// Runs a statement whose values are bind parameters by construction (`PostgresQuery`).
  @discardableResult
  func query(_ query: PostgresQuery) throws -> QueryResult {
    lastSQL = query.sql
    return try connection.query(query)
  }

  /// Maps a `PostgresError` thrown by `body` to a `RegistryError` — except a serialization
  /// failure or deadlock inside a transaction, which goes on to the transaction's retry (the
  /// outermost `mapped`, around the whole transaction, maps it once retries are spent).
  @discardableResult
  func mapped<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as PostgresError where error.isRetryable && transactionDepth > 0 {
      throw error
    } catch let error as PostgresError
      where error.sqlState == .lockNotAvailable || error.sqlState == .queryCanceled
    {
      let limit =
        error.sqlState == .lockNotAvailable
        ? "waited longer than lock_timeout (\(timeouts.lock)) for a lock another session holds"
        : "ran longer than statement_timeout (\(timeouts.statement))"
      throw RegistryError(
        .timeout, field: Self.target(of: lastSQL),
        "\(limit); nothing was changed, try again (set $MSCREG_LOCK_TIMEOUT or "
          + "$MSCREG_STATEMENT_TIMEOUT to change the limit)")
    } catch let error as PostgresError {
      throw StoreErrors.map(error)
    }
  }

  /// The first registry object a statement names (`registry.enroll`, `identity.…`), or
  /// `database`.
  static func target(of sql: String) -> String {
    guard let match = sql.firstMatch(of: #/(registry|identity|audit)\.[a-z_]+/#) else {
      return "database"
    }
    return String(match.output.0)
  }
}

extension Store {
  /// `conninfo` with `environment`'s libpq variables (`PGHOST`, `PGUSER` …) added as explicit
  /// settings, for a caller whose environment is not the process's; a malformed `conninfo` is
  /// returned as it is, for libpq to refuse when connecting.
  public static func conninfo(_ conninfo: String, applying environment: [String: String])
    -> String
  {
    (try? Conninfo.applying(environment: environment, to: conninfo)) ?? conninfo
  }
}
