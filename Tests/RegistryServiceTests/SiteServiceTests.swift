import RegistryDomain
import RegistryService
import TestSupport
import Testing

@Suite struct SiteServiceTests {
  @Test func addsListsAndRefusesDuplicatesWithoutWriting() throws {
    try TestDatabase.with { db in
      let service = SiteService(RegistryDatabase(conninfo: db.conninfo))
      _ = try service.add(code: "PAN", name: " Hospital Santo Tomás ", country: "PA")
      _ = try service.add(code: "BOG", name: "Fundación Santa Fe", country: nil)
      #expect(try service.list().map(\.code) == ["BOG", "PAN"])
      #expect(try service.list().last?.name == "Hospital Santo Tomás")
      let error = try #require(throws: RegistryError.self) {
        try service.add(code: "PAN", name: "x", country: nil)
      }
      #expect(error.exitStatus == 65)
      let audit = try AuditService(RegistryDatabase(conninfo: db.conninfo)).entries()
      #expect(audit.count == 2)
    }
  }

  @Test func unreachableDatabaseIsUnavailable() throws {
    let service = SiteService(RegistryDatabase(conninfo: "host=/nonexistent port=1"))
    let error = try #require(throws: RegistryError.self) { try service.list() }
    #expect(error.kind == .unavailable)
    #expect(error.exitStatus == 69)
  }
}
