/// An error reported by libpq or the PostgreSQL server.
///
/// Server errors carry the SQLSTATE and the diagnostic fields PostgreSQL sends; connection
/// failures carry libpq's own reason in `message` and the class `08006` when no SQLSTATE is known.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
  /// Five-character SQLSTATE (`23505` unique violation, `40001` serialization failure, …).
  public var sqlState: String
  /// The primary human-readable message.
  public var message: String
  /// The optional secondary message.
  public var detail: String?
  /// The optional hint.
  public var hint: String?
  /// The constraint that was violated, when the error is about one.
  public var constraint: String?
  /// The table the error is about, when known.
  public var table: String?
  /// The column the error is about, when known.
  public var column: String?

  /// Creates an error from its fields.
  public init(
    sqlState: String, message: String, detail: String? = nil, hint: String? = nil,
    constraint: String? = nil, table: String? = nil, column: String? = nil
  ) {
    self.sqlState = sqlState
    self.message = message
    self.detail = detail
    self.hint = hint
    self.constraint = constraint
    self.table = table
    self.column = column
  }

  /// SQLSTATE class `08`: the connection failed or was lost.
  public var isConnectionFailure: Bool {
    sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
  }

  /// `40001` or `40P01`: the transaction may succeed if retried.
  public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

  public var description: String {
    var text = "\(message) (SQLSTATE \(sqlState))"
    if let detail { text += " — \(detail)" }
    return text
  }
}

/// SQLSTATE codes the registry inspects.
public enum SQLState {
  /// A UNIQUE or PRIMARY KEY constraint was violated.
  public static let uniqueViolation = "23505"
  /// A FOREIGN KEY constraint was violated.
  public static let foreignKeyViolation = "23503"
  /// A CHECK constraint was violated.
  public static let checkViolation = "23514"
  /// A NOT NULL constraint was violated.
  public static let notNullViolation = "23502"
  /// The role lacks a privilege (also raised by row-level security).
  public static let insufficientPrivilege = "42501"
  /// The statement names a table that does not exist.
  public static let undefinedTable = "42P01"
  /// Raised by the registry's own triggers (`RAISE EXCEPTION`).
  public static let raiseException = "P0001"
  /// The connection could not be established or was lost.
  public static let connectionFailure = "08006"
  /// `lock_not_available`: a lock was not granted within `lock_timeout`.
  public static let lockNotAvailable = "55P03"
  /// `query_canceled`: a statement ran past `statement_timeout` (or was cancelled).
  public static let queryCanceled = "57014"
}
