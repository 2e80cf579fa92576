/// One row of a query result, its values kept in PostgreSQL's text format until decoded.
public struct PostgresRow: Sendable {
  /// Column names of the result, in order.
  public let columns: [String]
  /// The values of this row; nil is SQL NULL.
  public let values: [String?]

  /// Creates a row (used by `Connection` and tests).
  public init(columns: [String], values: [String?]) {
    self.columns = columns
    self.values = values
  }

  func index(of column: String) throws -> Int {
    guard let i = columns.firstIndex(of: column) else {
      throw PostgresError(sqlState: .undefinedColumn, message: "result has no column \"\(column)\"")
    }
    return i
  }

  /// Decodes a column; NULL decodes only into an `Optional` type, else it throws.
  public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
    guard let text = values[try index(of: column)] else {
      return try T.decodeNull(column: column)
    }
    return try T.decode(postgresText: text)
  }

  /// Decodes a column by position.
  public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
    guard let text = values[index] else { return try T.decodeNull(column: columns[index]) }
    return try T.decode(postgresText: text)
  }

  /// The raw text of a column, nil for NULL.
  public subscript(column: String) -> String? {
    guard let i = columns.firstIndex(of: column) else { return nil }
    return values[i]
  }
}

/// The rows and status of one executed statement.
public struct QueryResult: Sendable {
  /// Column names in order.
  public let columns: [String]
  /// The rows returned (empty for commands).
  public let rows: [PostgresRow]
  /// Rows affected by INSERT/UPDATE/DELETE/COPY (from `PQcmdTuples`), 0 when not reported.
  public let affectedRows: Int
}
