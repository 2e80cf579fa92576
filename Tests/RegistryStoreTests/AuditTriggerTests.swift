import Foundation
import PostgresClient
import RegistryDomain
import RegistryStore
import TestSupport
import Testing

@Suite(.blocking) struct AuditTriggerTests {
  @Test func everyChangeIsRecordedWithOldNewRoleAndReason() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      try c.query("INSERT INTO registry.site (code, name, country) VALUES ('PAN', 'Panama', 'PA')")
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'typo in the name', true)")
        try tx.query("UPDATE registry.site SET name = 'Panamá' WHERE code = 'PAN'")
      }
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'entered in error', true)")
        try tx.query("DELETE FROM registry.site WHERE code = 'PAN'")
      }
      let entries = try AuditRepository(try Store(conninfo: db.conninfo)).entries()
      #expect(entries.map(\.action) == ["INSERT", "UPDATE", "DELETE"])
      #expect(entries.allSatisfy { $0.table == "registry.site" && $0.rowKey == "PAN" })
      let who: String = try c.query("SELECT session_user AS u").rows[0].decode("u")
      #expect(entries.allSatisfy { $0.role == who })
      #expect(entries[0].oldRow == nil)
      #expect(entries[0].newRow?["name"] == .string("Panama"))
      #expect(entries[1].oldRow?["name"] == .string("Panama"))
      #expect(entries[1].newRow?["name"] == .string("Panamá"))
      #expect(entries[1].changedColumns == ["name"])
      #expect(entries[1].reason == "typo in the name")
      #expect(entries[2].newRow == nil)
      #expect(entries[2].reason == "entered in error")
    }
  }

  @Test func updatesAndDeletesWithoutAReasonAreRefused() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      try c.query("INSERT INTO registry.site (code, name) VALUES ('PAN', 'Panama')")
      for sql in [
        "UPDATE registry.site SET name = 'x'", "DELETE FROM registry.site",
        "TRUNCATE registry.site CASCADE",
      ] {
        let error = try #require(throws: PostgresError.self) { try c.query(sql) }
        #expect(SQLState.registryCodes.contains(error.sqlState), "\(error)")
      }
      // A blank reason is no reason.
      let blank = try #require(throws: PostgresError.self) {
        try c.transaction { tx in
          try tx.query("SELECT set_config('mscreg.reason', '   ', true)")
          try tx.query("UPDATE registry.site SET name = 'x'")
        }
      }
      #expect(blank.sqlState == .reasonRequired)
      let name: String = try c.query("SELECT name FROM registry.site").rows[0].decode("name")
      #expect(name == "Panama")
    }
  }

  @Test func theAuditLogCannotBeChangedEvenByItsOwner() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      try c.query("INSERT INTO registry.site (code, name) VALUES ('PAN', 'Panama')")
      for sql in [
        "UPDATE audit.log SET reason = 'forged'", "DELETE FROM audit.log", "TRUNCATE audit.log",
        "UPDATE identity.audit_log SET reason = 'x'", "TRUNCATE identity.audit_log",
      ] {
        let error = try #require(throws: PostgresError.self) { try c.query(sql) }
        #expect(error.sqlState == .auditAppendOnly)
      }
      #expect(try c.query("SELECT count(*) AS n FROM audit.log").rows[0].decode("n") == 1)
    }
  }

  @Test func identityRowsAreAuditedInsideTheIdentitySchema() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      try c.execute(
        """
        CREATE TABLE identity.probe (id int PRIMARY KEY, mrn text);
        SELECT audit.enable('identity.probe');
        INSERT INTO identity.probe VALUES (1, 'MRN-SECRET-123');
        """)
      let outside: Int = try c.query(
        "SELECT count(*) AS n FROM audit.log WHERE new_row::text LIKE '%MRN-SECRET%'"
      ).rows[0].decode("n")
      let inside: Int = try c.query(
        "SELECT count(*) AS n FROM identity.audit_log WHERE new_row ->> 'mrn' = 'MRN-SECRET-123'"
      ).rows[0].decode("n")
      #expect(outside == 0)
      #expect(inside == 1)
    }
  }

  @Test func storeMapsConstraintViolationsToNamedRefusals() throws {
    try TestDatabase.with { db in
      let store = try Store(conninfo: db.conninfo)
      let sites = SiteRepository(store)
      try sites.insert(Site(code: "PAN", name: "Panama", country: "PA"))
      let duplicate = try #require(throws: RegistryError.self) {
        try sites.insert(Site(code: "PAN", name: "Other", country: nil))
      }
      #expect(duplicate.kind == .conflict)
      #expect(duplicate.field == "site.code")
      // The database holds the rule even when the service is bypassed.
      let bad = try #require(throws: RegistryError.self) {
        try sites.insert(Site(code: "pa n", name: "x", country: "PAN"))
      }
      #expect(bad.kind == .refused)
    }
  }
}
