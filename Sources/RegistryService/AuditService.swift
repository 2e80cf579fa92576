import RegistryDomain
import RegistryStore

/// Reads the audit trail.
public struct AuditService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Audit rows in order, from a date on (UTC) and about one study ID, lot or site code.
  ///
  /// A key with no audit row at all (whatever the date) names nothing the registry ever held
  /// or that the acting role may see: `.notFound` (exit 66), as for any unknown name.
  public func entries(since: CalendarDate? = nil, key: String? = nil) throws -> [AuditEntry] {
    let store = try database.open()
    return try store.read {
      let audit = AuditRepository(store)
      let rows = try audit.entries(since: since, rowKey: key)
      if let key, rows.isEmpty, try audit.entries(since: nil, rowKey: key).isEmpty {
        throw RegistryError.notFound("KEY", "nothing in the audit trail about \(key)")
      }
      return rows
    }
  }

  /// Recomputes both audit hash chains (`audit.log`, then `identity.audit_log`) in one
  /// snapshot and reports each with its first break, if any.
  ///
  /// The identity chain is left out when the acting role may not read it. Run as a role that
  /// sees every audit row: a role that sees only some rows would see false breaks.
  public func verify() throws -> [AuditChainStatus] {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      let audit = AuditRepository(store)
      let readable = try AuditRepository.chainedTables.filter { try audit.canRead(table: $0) }
      // A role that reads no chain verified nothing: that is a denial, never a pass.
      guard !readable.isEmpty else {
        throw RegistryError(
          .permissionDenied, field: "audit", "this role may not read the audit trail")
      }
      return try readable.map { try audit.verifyChain(table: $0) }
    }
  }
}
