/// The result of recomputing one audit hash chain (`audit.log` or `identity.audit_log`).
///
/// Each audit row stores the SHA-256 of its canonical text, which includes the hash of the row
/// before it (see `sql/migrations/0006_audit_chain.sql`). A chain is intact when every row's
/// `prev_hash` is the stored hash of the row before it (in id order, NULL for the first) and
/// every stored hash equals the recomputed one.
public struct AuditChainStatus: Sendable, Equatable, Codable {
  /// The audit table: `audit.log` or `identity.audit_log`.
  public let table: String
  /// Rows checked (all rows of the table).
  public let rows: Int64
  /// The highest id (0 when empty).
  public let lastID: Int64
  /// The stored hash of the last row (nil when empty): the value to anchor elsewhere.
  public let headHash: String?
  /// The first row where the chain breaks, nil when intact.
  public let firstBreak: AuditChainBreak?

  /// Creates a status.
  public init(
    table: String, rows: Int64, lastID: Int64, headHash: String?, firstBreak: AuditChainBreak?
  ) {
    self.table = table
    self.rows = rows
    self.lastID = lastID
    self.headHash = headHash
    self.firstBreak = firstBreak
  }

  /// True when the chain is intact.
  public var isIntact: Bool { firstBreak == nil }

  enum CodingKeys: String, CodingKey {
    case table, rows
    case lastID = "last_id"
    case headHash = "head_hash"
    case firstBreak = "first_break"
  }
}

/// The first audit row whose stored chain values differ from the recomputed ones.
public struct AuditChainBreak: Sendable, Equatable, Codable {
  /// What disagrees.
  public enum Field: String, Sendable, Codable {
    /// `prev_hash` is not the stored hash of the row before (a row was removed, inserted or
    /// re-hashed before this one).
    case prevHash = "prev_hash"
    /// The stored hash is not the hash of the row's contents (this row was changed).
    case hash
  }

  /// Id of the first broken row.
  public let id: Int64
  /// Which value disagrees.
  public let field: Field
  /// The value the chain requires (nil: NULL, the first row of a chain).
  public let expected: String?
  /// The value stored in the row.
  public let stored: String?

  /// Creates a break.
  public init(id: Int64, field: Field, expected: String?, stored: String?) {
    self.id = id
    self.field = field
    self.expected = expected
    self.stored = stored
  }
}
