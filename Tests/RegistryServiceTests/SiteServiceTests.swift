import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite(.blocking) struct SiteServiceTests {
  @Test func addsListsAndRefusesDuplicatesWithoutWriting() throws {
    try TestDatabase.with { db in
      // Sites are an admin's; the audit trail is read as the monitor.
      let logins = try RegistryLogins(db)
      let service = SiteService(logins.admin)
      let auditBefore = try AuditService(logins.monitor).entries().count
      _ = try service.add(code: "PAN", name: " Hospital Santo Tomás ", country: "PA")
      _ = try service.add(code: "BOG", name: "Fundación Santa Fe", country: nil)
      #expect(try service.list().map(\.code) == ["BOG", "PAN"])
      #expect(try service.list().last?.name == "Hospital Santo Tomás")
      let error = try #require(throws: RegistryError.self) {
        try service.add(code: "PAN", name: "x", country: nil)
      }
      // A duplicate is a conflict (HTTP 409), which the CLI exits with 65 like a refusal.
      #expect(error.kind == .conflict && error.exitStatus == 65)
      let audit = try AuditService(logins.monitor).entries()
      #expect(audit.count == auditBefore + 2)
      #expect(
        audit.suffix(2).allSatisfy { $0.table == "registry.site" && $0.role == logins.adminName })
    }
  }

  @Test func unreachableDatabaseIsUnavailable() throws {
    let service = SiteService(RegistryDatabase(conninfo: "host=/nonexistent port=1"))
    let error = try #require(throws: RegistryError.self) { try service.list() }
    #expect(error.kind == .unavailable)
    #expect(error.exitStatus == 69)
  }
}
