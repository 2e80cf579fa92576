import CLibPQ
import Foundation
import Glibc

/// One connection to PostgreSQL through libpq.
///
/// Not `Sendable`: a connection belongs to one task at a time. Every `PGresult` is freed with
/// `PQclear` on every path. Values always travel as bind parameters.
public final class Connection {
  private var conn: OpaquePointer?
  /// Where the session goes back on `close()` when it was opened under a `ConnectionReuse`.
  private let reuse: ConnectionReuse?
  /// The conninfo it was opened with (the key of a reused session).
  private let conninfo: String

  /// Connects with a libpq conninfo string or URI.
  ///
  /// An empty string uses libpq's own defaults (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`,
  /// `PGSERVICE`, `~/.pgpass`, `sslmode`, …). Throws a `PostgresError` with class `08` and
  /// libpq's reason when the server cannot be reached or refuses the login.
  ///
  /// Under `ConnectionReuse.active`, an idle session opened with the same conninfo is taken
  /// again when one is kept (see `ConnectionReuse`).
  public init(conninfo: String) throws {
    self.conninfo = conninfo
    reuse = ConnectionReuse.active
    if let reuse, let kept = reuse.take(conninfo) {
      conn = kept
      return
    }
    let c = PQconnectdb(conninfo)
    guard let c, PQstatus(c) == CONNECTION_OK else {
      let reason = c.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
      if let c { PQfinish(c) }
      throw PostgresError(
        sqlState: SQLState.connectionFailure,
        message: reason.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    conn = c
    // Notices (for example "relation already exists, skipping") stay off standard error.
    PQsetNoticeProcessor(c, { _, _ in }, nil)
  }

  deinit { close() }

  /// Closes the connection; later calls throw. (Opened under a `ConnectionReuse`, an idle
  /// session goes back to it instead of ending.)
  public func close() {
    if let conn {
      if let reuse { reuse.give(conninfo, conn) } else { PQfinish(conn) }
    }
    conn = nil
  }

  private func handle() throws -> OpaquePointer {
    guard let conn else {
      throw PostgresError(sqlState: SQLState.connectionFailure, message: "connection is closed")
    }
    return conn
  }

  /// True when the connection was opened and libpq still counts it good (false after the
  /// server went away mid-session, or after `close()`).
  public var isUsable: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

  /// True when the server asked for a password at login and libpq supplied one
  /// (`PQconnectionUsedPassword`): false for a login the server trusted.
  public var usedPassword: Bool { conn.map { PQconnectionUsedPassword($0) == 1 } ?? false }

  /// A SCRAM-SHA-256 verifier of `password` for `user`, computed here by libpq
  /// (`PQencryptPasswordConn`): what `ALTER ROLE … PASSWORD` may store without the password
  /// itself ever reaching the server or its logs.
  public func scramVerifier(password: String, user: String) throws -> String {
    let conn = try handle()
    guard let verifier = PQencryptPasswordConn(conn, password, user, "scram-sha-256") else {
      throw connectionError()
    }
    defer { PQfreemem(verifier) }
    return String(cString: verifier)
  }

  /// The server's process ID for this session (for `pg_terminate_backend` in tests).
  public var backendPID: Int32 { conn.map { PQbackendPID($0) } ?? 0 }

  /// Runs one parameterised statement (`$1`, `$2`, …) and returns its rows.
  ///
  /// Parameters go in text format; nil is NULL. Throws `PostgresError` with the server's
  /// SQLSTATE, message, detail and constraint.
  @discardableResult
  public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws
    -> QueryResult
  {
    let conn = try handle()
    let texts: [String?] = parameters.map { $0.postgresText }
    let cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
    defer { for p in cStrings { free(p) } }
    let result: OpaquePointer? = cStrings.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { params in
        PQexecParams(
          conn, sql, Int32(params.count), nil, params.baseAddress, nil, nil, 0)
      }
    }
    return try consume(result)
  }

  /// Runs SQL text with the simple-query protocol: several statements allowed, no parameters.
  ///
  /// Used for migration files. Only the last statement's rows are returned.
  @discardableResult
  public func execute(_ sql: String) throws -> QueryResult {
    let conn = try handle()
    return try consume(PQexec(conn, sql))
  }

  private func consume(_ result: OpaquePointer?) throws -> QueryResult {
    guard let result else { throw connectionError() }
    defer { PQclear(result) }
    switch PQresultStatus(result) {
    case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_SINGLE_TUPLE:
      return Self.read(result)
    default:
      throw Self.error(from: result, connection: conn)
    }
  }

  static func read(_ result: OpaquePointer) -> QueryResult {
    let nColumns = Int(PQnfields(result))
    let nRows = Int(PQntuples(result))
    let columns = (0..<nColumns).map { String(cString: PQfname(result, Int32($0))) }
    var rows: [PostgresRow] = []
    rows.reserveCapacity(nRows)
    for r in 0..<nRows {
      var values: [String?] = []
      values.reserveCapacity(nColumns)
      for c in 0..<nColumns {
        if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
          values.append(nil)
        } else {
          values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
        }
      }
      rows.append(PostgresRow(columns: columns, values: values))
    }
    let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    return QueryResult(columns: columns, rows: rows, affectedRows: affected)
  }

  static func error(from result: OpaquePointer, connection: OpaquePointer?) -> PostgresError {
    func field(_ code: Character) -> String? {
      guard let p = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
      return String(cString: p)
    }
    let message =
      field("M")
      ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(
        in: .whitespacesAndNewlines)
    var state = field("C").map(SQLState.init(rawValue:))
    if state == nil, let connection, PQstatus(connection) != CONNECTION_OK {
      state = SQLState.connectionFailure
    }
    return PostgresError(
      sqlState: state ?? .internalError,
      message: message.isEmpty ? "server closed the connection unexpectedly" : message,
      detail: field("D"), hint: field("H"), constraint: field("n"), table: field("t"),
      column: field("c"))
  }

  func connectionError() -> PostgresError {
    let reason = conn.map { String(cString: PQerrorMessage($0)) } ?? "connection is closed"
    return PostgresError(
      sqlState: SQLState.connectionFailure,
      message: reason.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Runs `body` inside a transaction and commits; rolls back when `body` throws.
  ///
  /// Serialization failures (`40001`) and deadlocks (`40P01`) are retried up to `retries` times
  /// with the whole body run again, so the body must not have effects outside the database.
  /// `readOnly` begins the transaction READ ONLY (it then also runs on a hot standby).
  public func transaction<T>(
    isolation: IsolationLevel = .readCommitted, readOnly: Bool = false, retries: Int = 5,
    _ body: (Connection) throws -> T
  ) throws -> T {
    try transaction(
      isolation: isolation, readOnly: readOnly, retries: retries, prelude: nil,
      preludeFailed: { $0 }
    ) { connection, _ in try body(connection) }
  }

  /// `transaction(isolation:readOnly:retries:_:)` whose BEGIN carries `prelude`: statements
  /// without parameters (SQL text, values as literals) sent with BEGIN in one round trip
  /// (the simple-query protocol) and run first inside the transaction. `body` gets the rows
  /// of the prelude's last statement. When the prelude fails (other than by a lost
  /// connection, a serialization failure or a deadlock) the transaction is rolled back and
  /// `preludeFailed` says what to throw.
  public func transaction<T>(
    isolation: IsolationLevel = .readCommitted, readOnly: Bool = false, retries: Int = 5,
    prelude: String?, preludeFailed: (PostgresError) -> any Error,
    _ body: (Connection, QueryResult) throws -> T
  ) throws -> T {
    var attempt = 0
    let begin = "BEGIN ISOLATION LEVEL \(isolation.rawValue)\(readOnly ? " READ ONLY" : "")"
    while true {
      let opened: QueryResult
      if let prelude {
        do {
          opened = try execute(begin + "; " + prelude)
        } catch let error as PostgresError
          where !error.isRetryable && !error.isConnectionFailure
          && conn.map({ PQstatus($0) == CONNECTION_OK }) == true
        {
          _ = try? execute("ROLLBACK")
          throw preludeFailed(error)
        } catch let error as PostgresError where error.isRetryable && attempt < retries {
          _ = try? execute("ROLLBACK")
          attempt += 1
          usleep(UInt32(1000 * (1 << min(attempt, 6))) + UInt32.random(in: 0..<2000))
          continue
        } catch {
          if conn.map({ PQstatus($0) == CONNECTION_OK }) == true {
            _ = try? execute("ROLLBACK")
          }
          throw error
        }
      } else {
        opened = try execute(begin)
      }
      do {
        let value = try body(self, opened)
        try execute("COMMIT")
        return value
      } catch let error as PostgresError where error.isRetryable && attempt < retries {
        _ = try? execute("ROLLBACK")
        attempt += 1
        usleep(UInt32(1000 * (1 << min(attempt, 6))) + UInt32.random(in: 0..<2000))
      } catch {
        if conn.map({ PQstatus($0) == CONNECTION_OK }) == true {
          _ = try? execute("ROLLBACK")
        }
        throw error
      }
    }
  }

  /// Streams rows into `COPY … FROM STDIN` (text format by default).
  ///
  /// `body` receives a `CopyWriter`; each `write` sends data to the server as it goes. A bad
  /// row is reported by the server only at the end: this drains every result after
  /// `PQputCopyEnd` and throws the first error. Returns the number of rows copied.
  @discardableResult
  public func copyIn(_ sql: String, _ body: (inout CopyWriter) throws -> Void) throws -> Int {
    let conn = try handle()
    let start = PQexec(conn, sql)
    guard let start else { throw connectionError() }
    let status = PQresultStatus(start)
    if status != PGRES_COPY_IN {
      defer { PQclear(start) }
      throw Self.error(from: start, connection: conn)
    }
    PQclear(start)
    var writer = CopyWriter(conn: conn)
    var bodyError: Error?
    do {
      try body(&writer)
      try writer.flush()
    } catch {
      bodyError = error
    }
    let endResult: Int32
    if let bodyError {
      endResult = PQputCopyEnd(conn, "client aborted COPY: \(bodyError)")
    } else {
      endResult = PQputCopyEnd(conn, nil)
    }
    var firstError: PostgresError?
    var copied = 0
    while let result = PQgetResult(conn) {
      if PQresultStatus(result) == PGRES_COMMAND_OK {
        copied = Int(String(cString: PQcmdTuples(result))) ?? 0
      } else if firstError == nil {
        firstError = Self.error(from: result, connection: conn)
      }
      PQclear(result)
    }
    if let bodyError { throw bodyError }
    if endResult != 1 && firstError == nil { throw connectionError() }
    if let firstError { throw firstError }
    return copied
  }
}

/// Transaction isolation levels.
public enum IsolationLevel: String, Sendable {
  /// PostgreSQL's default.
  case readCommitted = "READ COMMITTED"
  /// Snapshot for the whole transaction.
  case repeatableRead = "REPEATABLE READ"
  /// Full serializability; expect `40001` to be retried.
  case serializable = "SERIALIZABLE"
}
