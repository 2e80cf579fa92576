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

  /// The audit tables that carry a hash chain.
  public static let chainedTables = ["audit.log", "identity.audit_log"]

  /// Recomputes the hash chain of one audit table in id order and returns the first break.
  ///
  /// Hashes are recomputed by `audit.chain_hash`, the function the trigger uses, over each
  /// row's stored values and the stored hash of the row before it (`lag(hash)`). Run inside a
  /// transaction of the caller for one snapshot. `table` must be one of `chainedTables`.
  public func verifyChain(table: String) throws -> AuditChainStatus {
    guard Self.chainedTables.contains(table) else {
      throw RegistryError(.internal, field: "table", "\(table) has no hash chain")
    }
    return try store.mapped {
      let broken = try store.query(
        """
        WITH chain AS (
          SELECT id, prev_hash, hash, lag(hash) OVER (ORDER BY id) AS expected_prev,
                 audit.chain_hash(lag(hash) OVER (ORDER BY id), id, at, db_role, action,
                   table_name, row_key, old_row, new_row, reason, txid) AS expected_hash
          FROM \(table))
        SELECT id,
               CASE WHEN prev_hash IS DISTINCT FROM expected_prev THEN 'prev_hash' ELSE 'hash' END
                 AS field,
               CASE WHEN prev_hash IS DISTINCT FROM expected_prev THEN expected_prev
                    ELSE expected_hash END AS expected,
               CASE WHEN prev_hash IS DISTINCT FROM expected_prev THEN prev_hash
                    ELSE hash END AS stored
        FROM chain
        WHERE prev_hash IS DISTINCT FROM expected_prev OR hash IS DISTINCT FROM expected_hash
        ORDER BY id
        LIMIT 1
        """
      ).rows.first.map { row in
        AuditChainBreak(
          id: try row.decode("id"),
          field: AuditChainBreak.Field(rawValue: try row.decode("field")) ?? .hash,
          expected: try row.decode("expected"), stored: try row.decode("stored"))
      }
      let summary = try store.query(
        """
        SELECT count(*)::bigint AS n, coalesce(max(id), 0)::bigint AS last_id,
               (SELECT hash FROM \(table) ORDER BY id DESC LIMIT 1) AS head
        FROM \(table)
        """
      ).rows[0]
      return AuditChainStatus(
        table: table, rows: try summary.decode("n"), lastID: try summary.decode("last_id"),
        headHash: try summary.decode("head"), firstBreak: broken)
    }
  }

  /// Whether the session may read an audit table (a role without access to `identity` may
  /// not read `identity.audit_log`).
  public func canRead(table: String) throws -> Bool {
    try store.mapped {
      try store.query(
        """
        SELECT coalesce(has_schema_privilege(split_part($1, '.', 1), 'USAGE')
          AND has_table_privilege($1, 'SELECT'), false) AS ok
        """, [table]
      ).rows[0].decode("ok")
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
