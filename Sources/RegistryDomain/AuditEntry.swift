import Foundation

/// One row of the append-only audit trail: who changed what, when, and why.
public struct AuditEntry: Sendable, Equatable, Codable {
  /// Position in the trail (increasing).
  public let id: Int64
  /// When the change was made (server clock).
  public let at: Date
  /// The database login role that made it (`session_user`).
  public let role: String
  /// `INSERT`, `UPDATE` or `DELETE`.
  public let action: String
  /// Schema-qualified table name.
  public let table: String
  /// The key of the changed row.
  public let rowKey: String
  /// The row before the change (nil for inserts).
  public let oldRow: JSONValue?
  /// The row after the change (nil for deletes).
  public let newRow: JSONValue?
  /// The reason given for the transaction.
  public let reason: String?

  /// Creates an entry.
  public init(
    id: Int64, at: Date, role: String, action: String, table: String, rowKey: String,
    oldRow: JSONValue?, newRow: JSONValue?, reason: String?
  ) {
    self.id = id
    self.at = at
    self.role = role
    self.action = action
    self.table = table
    self.rowKey = rowKey
    self.oldRow = oldRow
    self.newRow = newRow
    self.reason = reason
  }

  enum CodingKeys: String, CodingKey {
    case id, at, role, action, table
    case rowKey = "row_key"
    case oldRow = "old_row"
    case newRow = "new_row"
    case reason
  }

  /// The columns whose values differ between the old and new row (for updates).
  public var changedColumns: [String] {
    guard case .object(let old)? = oldRow, case .object(let new)? = newRow else { return [] }
    return Set(old.keys).union(new.keys).sorted().filter { old[$0] != new[$0] }
  }
}
