import Foundation
import PostgresClient
import RegistryDomain

/// Reads the audit trail (`audit.log`). Writing is done only by the database's triggers.
public struct AuditRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Audit rows in order, optionally from a date on and about one row key.
  ///
  /// `since` is a calendar date interpreted in UTC; `rowKey` matches the key of the row
  /// (study ID, lot number, site code) or, for child records, the study ID they belong to.
  public func entries(since: CalendarDate? = nil, rowKey: String? = nil, limit: Int? = nil)
    throws -> [AuditEntry]
  {
    try store.mapped {
      try store.query(
        """
        SELECT id, at, db_role, action, table_name, row_key, old_row, new_row, reason
        FROM audit.log
        WHERE ($1::date IS NULL OR at >= ($1::date)::timestamp AT TIME ZONE 'UTC')
          AND ($2::text IS NULL OR row_key = $2
               OR new_row ->> 'study_id' = $2 OR old_row ->> 'study_id' = $2)
        ORDER BY id
        LIMIT $3
        """, [since?.description, rowKey, limit]
      ).rows.map(Self.entry)
    }
  }

  /// The highest audit id (0 when empty): a cheap fingerprint of "something was written".
  public func lastID() throws -> Int64 {
    try store.mapped {
      try store.query("SELECT coalesce(max(id), 0) AS id FROM audit.log").rows[0].decode("id")
    }
  }

  static func entry(_ row: PostgresRow) throws -> AuditEntry {
    func json(_ column: String) throws -> JSONValue? {
      try row.decode(column, as: PostgresJSON?.self).map { try $0.decode(JSONValue.self) }
    }
    return AuditEntry(
      id: try row.decode("id"), at: try row.decode("at"), role: try row.decode("db_role"),
      action: try row.decode("action"), table: try row.decode("table_name"),
      rowKey: try row.decode("row_key"), oldRow: try json("old_row"), newRow: try json("new_row"),
      reason: try row.decode("reason"))
  }
}
