import Foundation
import PostgresClient
import RegistryDomain

/// An open session with the registry database: the only door from the services to SQL.
///
/// Services open one `Store` per command, run each use case in one `transaction`, and hand the
/// store to repositories. Every `PostgresError` leaves this module as a `RegistryError`.
public final class Store {
  let connection: Connection

  /// Connects with a libpq conninfo string or URI (empty: libpq's defaults and `PG*` variables).
  ///
  /// Throws `RegistryError` of kind `.unavailable` (exit 69) with libpq's reason.
  public init(conninfo: String) throws {
    do {
      connection = try Connection(conninfo: conninfo)
      try connection.execute("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'")
    } catch let error as PostgresError {
      throw RegistryError(.unavailable, field: "database", StoreErrors.oneLine(error.message))
    }
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
        if let reason {
          try conn.query("SELECT set_config('mscreg.reason', $1, true)", [reason])
        }
        return try body()
      }
    }
  }

  /// Runs `body` outside an explicit transaction (each statement commits on its own).
  public func read<T>(_ body: () throws -> T) throws -> T {
    try mapped(body)
  }

  @discardableResult
  func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> QueryResult {
    try connection.query(sql, parameters)
  }

  @discardableResult
  func mapped<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as PostgresError {
      throw StoreErrors.map(error)
    }
  }
}
