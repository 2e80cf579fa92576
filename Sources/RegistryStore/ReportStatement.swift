import Foundation
import PostgresClient
import RegistryDomain

/// Several queries of one report run as ONE read-only statement: shared common table
/// expressions computed once (`materialize`, e.g. the per-patient cohort) and any number of
/// parts over them, each answering rows of its own.
///
/// Each piece is a `PostgresQuery` with its own bound values; they are renumbered into the
/// one statement. The statement is
/// `WITH shared AS MATERIALIZED (…), …, part0 AS (…), … SELECT 0, to_jsonb(part0) … UNION ALL …`,
/// so one snapshot answers every part and nothing is written: a report built this way needs
/// no temporary table and runs on a hot standby.
struct ReportStatement {
  private var shared: [(name: String, query: PostgresQuery)] = []
  private var parts: [PostgresQuery] = []

  /// The rows of every part, by the index `part` returned.
  struct Results {
    fileprivate var rows: [[ReportRow]]
    /// The rows of a part, in no particular order.
    subscript(part: Int) -> [ReportRow] { rows[part] }
  }

  /// A common table expression computed once for every part that reads it.
  mutating func materialize(_ name: String, _ query: PostgresQuery) {
    shared.append((name, query))
  }

  /// A query answering rows; returns its index in the `Results`.
  mutating func part(_ query: PostgresQuery) -> Int {
    parts.append(query)
    return parts.count - 1
  }

  /// The whole statement with its bound values.
  var query: PostgresQuery {
    var ctes: [PostgresQuery] = shared.map {
      "\(unescaped: $0.name) AS MATERIALIZED (\n\($0.query)\n)"
    }
    for (i, part) in parts.enumerated() {
      ctes.append("part\(unescaped: String(i)) AS (\n\(part)\n)")
    }
    let selects = parts.indices.map {
      PostgresQuery(
        unescaped: "SELECT \($0) AS part, to_jsonb(part\($0))::text AS row FROM part\($0)")
    }
    return "WITH " + PostgresQuery.joined(ctes, separator: ",\n") + "\n"
      + PostgresQuery.joined(selects, separator: "\nUNION ALL\n")
  }

  /// The statement's text (for EXPLAIN and the tests).
  var sql: String { query.sql }

  /// Runs the statement on `connection` (inside the caller's transaction, if any).
  func run(_ connection: Connection) throws -> Results {
    var rows = [[ReportRow]](repeating: [], count: parts.count)
    let decoder = JSONDecoder()
    for row in try connection.query(query).rows {
      let part: Int = try row.decode("part")
      let text: String = try row.decode("row")
      let value = try decoder.decode(JSONValue.self, from: Data(text.utf8))
      guard case .object(let object) = value else {
        throw RegistryError(.internal, field: "report", "a report row is not an object")
      }
      rows[part].append(ReportRow(values: object))
    }
    return Results(rows: rows)
  }
}
/// One row of a `ReportStatement` part: its columns by name.
struct ReportRow {
  let values: [String: JSONValue]

  private func value(_ column: String) throws -> JSONValue {
    guard let value = values[column] else {
      throw RegistryError(.internal, field: column, "the report query has no column \(column)")
    }
    return value
  }

  private func mismatch(_ column: String, _ type: String) -> RegistryError {
    RegistryError(.internal, field: column, "the report's \(column) is not \(type)")
  }

  /// An integer column (counts, days, grades).
  func int(_ column: String) throws -> Int {
    guard case .number(let n) = try value(column), let i = Int(exactly: n) else {
      throw mismatch(column, "an integer")
    }
    return i
  }

  /// A text column.
  func text(_ column: String) throws -> String {
    guard case .string(let s) = try value(column) else { throw mismatch(column, "text") }
    return s
  }

  /// A boolean column.
  func bool(_ column: String) throws -> Bool {
    guard case .bool(let b) = try value(column) else { throw mismatch(column, "a boolean") }
    return b
  }

  /// A floating-point column sent as text (`::text`, exact), or nil for NULL.
  func double(_ column: String) throws -> Double? {
    switch try value(column) {
    case .null: return nil
    case .string(let s):
      guard let d = Double(s) else { throw mismatch(column, "a number") }
      return d
    default: throw mismatch(column, "a number as text")
    }
  }
}
