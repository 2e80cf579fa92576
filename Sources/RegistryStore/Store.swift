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
  /// What the last statement worked on (`registry.patient`, `registry.enroll`), for a timeout.
  private var lastTarget = "database"
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
    do {
      connection = try Connection(conninfo: conninfo)
      try connection.execute("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'")
    } catch let error as PostgresError {
      throw RegistryError(.unavailable, field: "database", StoreErrors.oneLine(error.message))
    }
    func apply(_ setting: String, variable: String, fallback: String) throws -> String {
      do {
        if let value = environment[variable] {
          return try connection.query(
            "SELECT set_config(\(setting), \(value), false) AS v" as PostgresQuery
          ).rows[0].decode("v")
        }
        let current: String = try connection.query(
          "SELECT current_setting(\(setting)) AS v" as PostgresQuery
        ).rows[0].decode("v")
        if current != "0" { return current }
        return try connection.query(
          "SELECT set_config(\(setting), \(fallback), false) AS v" as PostgresQuery
        ).rows[0].decode("v")
      } catch let error as PostgresError {
        throw RegistryError.refused(
          "$" + variable, "is not a PostgreSQL duration such as 10s or 2min: \(error.message)")
      }
    }
    timeouts = (
      try apply("lock_timeout", variable: "MSCREG_LOCK_TIMEOUT", fallback: Self.defaultLockTimeout),
      try apply(
        "statement_timeout", variable: "MSCREG_STATEMENT_TIMEOUT",
        fallback: Self.defaultStatementTimeout)
    )
  }

  /// Runs `body` in one transaction; commits when it returns, rolls back when it throws.
  ///
  /// `reason` is recorded in the audit row of every change made in the transaction, and is
  /// required by the database for updates and deletes. Serialization failures and deadlocks
  /// are retried.
  public func transaction<T>(
    reason: String? = nil, isolation: IsolationLevel = .readCommitted,
    _ body: () throws -> T
  ) throws -> T {
    try mapped {
      try connection.transaction(isolation: isolation) { conn in
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        if let reason {
          try conn.query("SELECT set_config('mscreg.reason', \(reason), true)" as PostgresQuery)
        }
        return try body()
      }
    }
  }

  /// Runs `body` outside an explicit transaction (each statement commits on its own).
  public func read<T>(_ body: () throws -> T) throws -> T {
    try mapped(body)
  }

  /// Runs a statement whose values are bind parameters by construction (`PostgresQuery`).
  @discardableResult
  func query(_ query: PostgresQuery) throws -> QueryResult {
    lastTarget = Self.target(of: query.sql)
    return try connection.query(query)
  }

  /// Runs SQL text with positional parameters in a parallel array: the form of the
  /// repositories not yet converted to `PostgresQuery` (see `PostgresQueryTests`' list).
  @discardableResult
  func query(sql: String, _ parameters: [any PostgresEncodable] = []) throws -> QueryResult {
    lastTarget = Self.target(of: sql)
    return try connection.query(sql, parameters)
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
        .timeout, field: lastTarget,
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
