/// An error reported by libpq or the PostgreSQL server.
///
/// Server errors carry the SQLSTATE and the diagnostic fields PostgreSQL sends; connection
/// failures carry libpq's own reason in `message` and the class `08006` when no SQLSTATE is known.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
  /// Five-character SQLSTATE (`23505` unique violation, `40001` serialization failure, …).
  public var sqlState: SQLState
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
    sqlState: SQLState, message: String, detail: String? = nil, hint: String? = nil,
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
    sqlState.errorClass == "08" || sqlState == .adminShutdown || sqlState == .crashShutdown
      || sqlState == .cannotConnectNow
  }

  /// `40001` or `40P01`: the transaction may succeed if retried.
  public var isRetryable: Bool {
    sqlState == .serializationFailure || sqlState == .deadlockDetected
  }

  public var description: String {
    var text = "\(message) (SQLSTATE \(sqlState))"
    if let detail { text += " — \(detail)" }
    return text
  }
}

/// A five-character SQLSTATE, extensible by the code that raises its own.
///
/// Modelled on postgres-nio's `PostgresError.Code`: a struct rather than an enum, so that
/// other modules declare the codes of their own triggers (`extension SQLState { static let … }`)
/// and compare them with `==` exactly like PostgreSQL's.
public struct SQLState: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
  CustomStringConvertible
{
  /// The five characters PostgreSQL sends (`23505`, `MR021`, …).
  public var rawValue: String

  /// Wraps five characters as sent by the server.
  public init(rawValue: String) { self.rawValue = rawValue }

  /// Wraps five characters as sent by the server.
  public init(_ rawValue: String) { self.rawValue = rawValue }

  /// A code written in source (`static let reasonRequired: SQLState = …`).
  public init(stringLiteral value: String) { self.rawValue = value }

  /// The first two characters: the class (`23` integrity constraint violation, `08` connection).
  public var errorClass: String { String(rawValue.prefix(2)) }

  public var description: String { rawValue }

  /// A UNIQUE or PRIMARY KEY constraint was violated.
  public static let uniqueViolation: SQLState = "23505"
  /// A FOREIGN KEY constraint was violated.
  public static let foreignKeyViolation: SQLState = "23503"
  /// A CHECK constraint was violated.
  public static let checkViolation: SQLState = "23514"
  /// A NOT NULL constraint was violated.
  public static let notNullViolation: SQLState = "23502"
  /// The role lacks a privilege (also raised by row-level security).
  public static let insufficientPrivilege: SQLState = "42501"
  /// The statement names a table that does not exist.
  public static let undefinedTable: SQLState = "42P01"
  /// The statement names a column that does not exist.
  public static let undefinedColumn: SQLState = "42703"
  /// The statement does not parse.
  public static let syntaxError: SQLState = "42601"
  /// Raised by `RAISE EXCEPTION` without an `ERRCODE`.
  public static let raiseException: SQLState = "P0001"
  /// The connection could not be established or was lost.
  public static let connectionFailure: SQLState = "08006"
  /// The client and server disagree on the protocol (also libpq's malformed conninfo).
  public static let protocolViolation: SQLState = "08P01"
  /// `admin_shutdown`: the server is shutting down.
  public static let adminShutdown: SQLState = "57P01"
  /// `crash_shutdown`: the server crashed.
  public static let crashShutdown: SQLState = "57P02"
  /// `cannot_connect_now`: the server is starting up.
  public static let cannotConnectNow: SQLState = "57P03"
  /// `lock_not_available`: a lock was not granted within `lock_timeout`.
  public static let lockNotAvailable: SQLState = "55P03"
  /// `query_canceled`: a statement ran past `statement_timeout` (or was cancelled).
  public static let queryCanceled: SQLState = "57014"
  /// `serialization_failure`: a serializable transaction must be retried.
  public static let serializationFailure: SQLState = "40001"
  /// `deadlock_detected`: the transaction was chosen as a deadlock victim.
  public static let deadlockDetected: SQLState = "40P01"
  /// `string_data_right_truncation`: a value is too long for its column.
  public static let stringDataRightTruncation: SQLState = "22001"
  /// `numeric_value_out_of_range`.
  public static let numericValueOutOfRange: SQLState = "22003"
  /// `null_value_not_allowed`: a NULL where a value is required.
  public static let nullValueNotAllowed: SQLState = "22004"
  /// `invalid_datetime_format`.
  public static let invalidDatetimeFormat: SQLState = "22007"
  /// `datetime_field_overflow`.
  public static let datetimeFieldOverflow: SQLState = "22008"
  /// `character_not_in_repertoire`: bytes that are not valid in the encoding.
  public static let characterNotInRepertoire: SQLState = "22021"
  /// `invalid_text_representation`: text that does not parse as the column's type.
  public static let invalidTextRepresentation: SQLState = "22P02"
  /// `internal_error`.
  public static let internalError: SQLState = "XX000"
}
