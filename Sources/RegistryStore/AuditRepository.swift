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
  /// `afterID` and `limit` page through the trail: the rows after that id, at most `limit`.
  public func entries(
    since: CalendarDate? = nil, rowKey: String? = nil, afterID: Int64? = nil, limit: Int? = nil
  ) throws -> [AuditEntry] {
    try store.mapped {
      try store.query(
        """
        SELECT id, at, db_role, action, table_name, row_key, old_row, new_row, reason
        FROM audit.log
        WHERE (\(since?.description)::date IS NULL OR at >= (\(since?.description)::date)::timestamp AT TIME ZONE 'UTC')
          AND (\(rowKey)::text IS NULL OR row_key = \(rowKey)
               OR new_row ->> 'study_id' = \(rowKey) OR old_row ->> 'study_id' = \(rowKey))
          AND (\(afterID)::bigint IS NULL OR id > \(afterID))
        ORDER BY id
        LIMIT \(limit)
        """
      ).rows.map(Self.entry)
    }
  }

  /// How much of a chain the session may read.
  public enum ChainAccess: Sendable {
    /// Nothing (or not the chain entries).
    case none
    /// Identity rows as their stored per-field digests (`audit.identity_chain()`), no values.
    case digests
    /// Every hashed value.
    case values
  }

  /// What the session may read of each chain.
  public func access(_ chain: AuditChainName) throws -> ChainAccess {
    try store.mapped {
      let row = try store.query(
        """
        WITH rel AS (
          SELECT n.nspname || '.' || c.relname AS name,
                 has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS ok
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE (n.nspname, c.relname) IN (('audit', 'chain_entry'), ('audit', 'log'),
                                           ('identity', 'audit_log'))
        )
        SELECT coalesce((SELECT ok FROM rel WHERE name = 'audit.chain_entry'), false) AS entries,
               coalesce((SELECT ok FROM rel WHERE name = 'audit.log'), false) AS log,
               coalesce((SELECT ok FROM rel WHERE name = 'identity.audit_log'), false) AS identity,
               coalesce((SELECT bool_or(has_schema_privilege(n.oid, 'USAGE')
                                        AND has_function_privilege(p.oid, 'EXECUTE'))
                         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = 'audit' AND p.proname = 'identity_chain'), false)
                 AS digests
        """
      ).rows[0]
      guard try row.decode("entries", as: Bool.self) else { return .none }
      switch chain {
      case .log: return try row.decode("log", as: Bool.self) ? .values : .none
      case .identity:
        if try row.decode("identity", as: Bool.self) { return .values }
        return try row.decode("digests", as: Bool.self) ? .digests : .none
      }
    }
  }

  /// Every row of a chain in id order, as verification reads it (`access` says how).
  public func chainRows(_ chain: AuditChainName, access: ChainAccess) throws -> [AuditRowRecord] {
    try store.mapped {
      switch (chain, access) {
      case (_, .none):
        throw RegistryError(.permissionDenied, field: chain.rawValue, "cannot read the chain")
      case (.log, _):
        return try store.query(
          """
          SELECT id, (extract(epoch FROM at) * 1000000)::bigint AS at_us, db_role, action,
                 table_name, row_key, txid, digest, old_row::text AS old_row,
                 new_row::text AS new_row, reason
          FROM audit.log ORDER BY id
          """
        ).rows.map { row in
          try Self.record(
            row,
            .research(
              oldRow: try row.decode("old_row"), newRow: try row.decode("new_row"),
              reason: try row.decode("reason")))
        }
      case (.identity, .digests):
        return try store.query("SELECT * FROM audit.identity_chain()").rows.map { row in
          try Self.record(
            row, .identity(fields: try Self.object(row, "fields"), values: nil, salts: nil))
        }
      case (.identity, .values):
        return try store.query(
          """
          SELECT id, (extract(epoch FROM at) * 1000000)::bigint AS at_us, db_role, action,
                 table_name, row_key, txid, digest, fields, salts,
                 (SELECT coalesce(jsonb_object_agg(k, v), '{}') FROM (
                    SELECT 'old.' || key AS k, value::text AS v FROM jsonb_each(old_row)
                    UNION ALL SELECT 'new.' || key, value::text FROM jsonb_each(new_row)
                    UNION ALL SELECT 'reason', reason WHERE reason IS NOT NULL) x) AS field_values
          FROM identity.audit_log ORDER BY id
          """
        ).rows.map { row in
          try Self.record(
            row,
            .identity(
              fields: try Self.object(row, "fields"), values: try Self.object(row, "field_values"),
              salts: try Self.object(row, "salts")))
        }
      }
    }
  }

  /// The newest entry of a chain as the session's snapshot sees it (nil: no entry yet), as
  /// an anchor (sequence number, hash, link time in UTC). Not verified: `AuditService.verify`
  /// with this anchor ties it to the rows. Monitors and admins only (others:
  /// `.permissionDenied`).
  public func head(_ chain: AuditChainName) throws -> AuditAnchor? {
    try store.mapped {
      try store.query(
        """
        SELECT seq, hash, (extract(epoch FROM linked_at) * 1000000)::bigint AS at_us
        FROM audit.chain_entry WHERE chain = \(chain.rawValue) ORDER BY seq DESC LIMIT 1
        """
      ).rows.first.map { row in
        AuditAnchor(
          chain: chain.rawValue, id: try row.decode("seq"), hash: try row.decode("hash"),
          at: AuditCanonical.utcText(micros: try row.decode("at_us")))
      }
    }
  }

  /// The entries of a chain in sequence order.
  public func chainEntries(_ chain: AuditChainName) throws -> [AuditChainEntry] {
    try store.mapped {
      try store.query(
        """
        SELECT seq, prev_hash, txid, first_id, last_id, n_rows, rows_digest, hash,
               (extract(epoch FROM linked_at) * 1000000)::bigint AS at_us
        FROM audit.chain_entry WHERE chain = \(chain.rawValue) ORDER BY seq
        """
      ).rows.map { row in
        AuditChainEntry(
          seq: try row.decode("seq"), prevHash: try row.decode("prev_hash"),
          txid: try row.decode("txid"), firstID: try row.decode("first_id"),
          lastID: try row.decode("last_id"), rowCount: try row.decode("n_rows"),
          rowsDigest: try row.decode("rows_digest"), linkedAtMicros: try row.decode("at_us"),
          hash: try row.decode("hash"))
      }
    }
  }

  /// Replaces one identifier of an identity audit row by a redaction mark (`audit.redact`):
  /// admins only (others: `.permissionDenied`); an unknown row is `.notFound`, an unknown or
  /// already redacted field `.refused`.
  public func redact(id: Int64, field: String, reason: String) throws {
    try store.mapped {
      _ = try store.query("SELECT audit.redact(\(id), \(field), \(reason))")
    }
  }

  static func record(_ row: PostgresRow, _ content: AuditRowRecord.Content) throws
    -> AuditRowRecord
  {
    AuditRowRecord(
      id: try row.decode("id"), atMicros: try row.decode("at_us"),
      role: try row.decode("db_role"), action: try row.decode("action"),
      table: try row.decode("table_name"), rowKey: try row.decode("row_key"),
      txid: try row.decode("txid"), storedDigest: try row.decode("digest"), content: content)
  }

  static func object(_ row: PostgresRow, _ column: String) throws -> [String: String] {
    try row.decode(column, as: PostgresJSON.self).decode([String: String].self)
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
