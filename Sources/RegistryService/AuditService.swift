import RegistryDomain
import RegistryStore

/// Reads the audit trail.
public struct AuditService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Audit rows in order, from a date on (UTC) and about one study ID, lot or site code.
  public func entries(since: CalendarDate? = nil, key: String? = nil) throws -> [AuditEntry] {
    let store = try database.open()
    return try store.read { try AuditRepository(store).entries(since: since, rowKey: key) }
  }
}
