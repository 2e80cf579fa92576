import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

@Suite struct AuditChainTests {
  func verify(_ db: TestDatabase) throws -> [String: AuditChainStatus] {
    let chains = try AuditService(RegistryDatabase(conninfo: db.conninfo)).verify()
    return Dictionary(uniqueKeysWithValues: chains.map { ($0.table, $0) })
  }

  /// Runs SQL as the superuser with the audit log's user triggers off (tampering).
  func tamper(_ db: TestDatabase, _ sql: String) throws {
    let c = try db.connect()
    try c.execute(
      """
      ALTER TABLE audit.log DISABLE TRIGGER USER;
      \(sql);
      ALTER TABLE audit.log ENABLE TRIGGER USER;
      """)
  }

  @Test func aCleanChainVerifiesAndLinksEveryRow() throws {
    try TestDatabase.with { db in
      let fixture = try RegistryFixture(db)
      for i in 0..<3 {
        _ = try EnrollmentService(fixture.registry).enroll(
          try RegistryFixture.sleCandidate(mrn: "MRN-CHAIN-\(i)"))
      }
      let c = try db.connect()
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'renamed', true)")
        try tx.query("UPDATE registry.site SET name = 'Panamá City' WHERE code = 'PAN'")
      }
      let chains = try verify(db)
      let log = try #require(chains["audit.log"])
      let identity = try #require(chains["identity.audit_log"])
      #expect(log.isIntact && identity.isIntact)
      #expect(identity.rows == 3)
      let count: Int64 = try c.query("SELECT count(*) AS n FROM audit.log").rows[0].decode("n")
      #expect(log.rows == count && count > 10)
      let head: String = try c.query("SELECT hash FROM audit.log ORDER BY id DESC LIMIT 1")
        .rows[0].decode("hash")
      #expect(log.headHash == head)
      // The first row starts the chain; every other row names the hash of the row before.
      let unlinked: Int = try c.query(
        """
        SELECT count(*)::int AS n FROM (
          SELECT prev_hash, lag(hash) OVER (ORDER BY id) AS before FROM audit.log) x
        WHERE prev_hash IS DISTINCT FROM before
        """
      ).rows[0].decode("n")
      #expect(unlinked == 0)
      // The reason is required and the log append-only, as before the chain.
      let error = try #require(throws: PostgresError.self) {
        try c.query("UPDATE registry.site SET name = 'x'")
      }
      #expect(error.sqlState == "MR001")
      let forged = try #require(throws: PostgresError.self) {
        try c.query("UPDATE audit.log SET reason = 'forged'")
      }
      #expect(forged.sqlState == "MR002")
    }
  }

  @Test func aChangedReasonIsFoundAtItsRow() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids: [Int64] = try db.connect().query("SELECT id FROM audit.log ORDER BY id").rows.map {
        try $0.decode("id")
      }
      let target = ids[ids.count / 2]
      try tamper(db, "UPDATE audit.log SET reason = 'nothing to see' WHERE id = \(target)")
      let log = try #require(try verify(db)["audit.log"])
      let broken = try #require(log.firstBreak)
      #expect(broken.id == target)
      #expect(broken.field == .hash)
      #expect(broken.expected != broken.stored)
      #expect(try verify(db)["identity.audit_log"]?.isIntact == true)
    }
  }

  @Test func aDeletedRowIsFoundAtTheRowAfterIt() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids: [Int64] = try db.connect().query("SELECT id FROM audit.log ORDER BY id").rows.map {
        try $0.decode("id")
      }
      try tamper(db, "DELETE FROM audit.log WHERE id = \(ids[2])")
      let broken = try #require(try verify(db)["audit.log"]?.firstBreak)
      #expect(broken.id == ids[3])
      #expect(broken.field == .prevHash)
      // A rewritten row whose own hash is recomputed still breaks the link of the next row.
      try tamper(
        db,
        """
        UPDATE audit.log SET reason = 'rewritten',
          hash = audit.chain_hash(prev_hash, id, at, db_role, action, table_name, row_key,
            old_row, new_row, 'rewritten', txid)
        WHERE id = \(ids[0])
        """)
      let first = try #require(try verify(db)["audit.log"]?.firstBreak)
      #expect(first.id == ids[1])
      #expect(first.field == .prevHash)
    }
  }

  @Test func concurrentWritersKeepOneValidChain() throws {
    try TestDatabase.with { db in
      let fixture = try RegistryFixture(db)
      let registry = fixture.registry
      _ = try Concurrently.run(8) { task in
        for i in 0..<4 {
          if task % 2 == 0 {
            _ = try EnrollmentService(registry).enroll(
              try RegistryFixture.sleCandidate(
                mrn: "MRN-CC-\(task)-\(i)", site: ["PAN", "BOG", "GZU"][i % 3]))
          } else {
            _ = try SiteService(registry).add(
              code: "S\(task)X\(i)", name: "Site \(task) \(i)", country: nil)
          }
        }
      }
      let chains = try verify(db)
      #expect(chains["audit.log"]?.isIntact == true)
      #expect(chains["identity.audit_log"]?.isIntact == true)
      #expect(chains["identity.audit_log"]?.rows == 16)
      // Ids and chain order agree: within the log, each transaction's rows are contiguous.
      let interleaved: Int = try db.connect().query(
        """
        SELECT count(*)::int AS n FROM (
          SELECT txid, lag(txid) OVER (ORDER BY id) AS before,
                 min(id) OVER (PARTITION BY txid) AS first_id, id FROM audit.log) x
        WHERE txid IS DISTINCT FROM before AND id <> first_id
        """
      ).rows[0].decode("n")
      #expect(interleaved == 0)
    }
  }

  @Test func aRoleWithoutAuditPrivilegesStillWritesAuditedRows() throws {
    try TestDatabase.with { db in
      let admin = try db.connect()
      let role = "mscreg_t_app_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
      try admin.execute(
        """
        CREATE ROLE \(role) LOGIN;
        GRANT USAGE ON SCHEMA registry TO \(role);
        GRANT INSERT ON registry.site TO \(role);
        """)
      defer {
        _ = try? admin.execute("DROP OWNED BY \(role); DROP ROLE IF EXISTS \(role)")
      }
      do {
        let app = try Connection(conninfo: db.conninfo + " user=\(role)")
        defer { app.close() }
        try app.query("INSERT INTO registry.site (code, name) VALUES ('APP', 'By the app role')")
        // It may not write (or read) the audit log itself.
        let denied = try #require(throws: PostgresError.self) {
          try app.query(
            """
            INSERT INTO audit.log (action, table_name, row_key, hash)
            VALUES ('INSERT', 'registry.site', 'FAKE', repeat('0', 64))
            """)
        }
        #expect(denied.sqlState == "42501")
      }
      let row = try admin.query(
        "SELECT db_role, row_key FROM audit.log ORDER BY id DESC LIMIT 1"
      ).rows[0]
      #expect(try row.decode("db_role", as: String.self) == role)
      #expect(try row.decode("row_key", as: String.self) == "APP")
      #expect(try verify(db)["audit.log"]?.isIntact == true)
      // The writer owns the trigger function and cannot log in.
      let owner = try admin.query(
        """
        SELECT r.rolname, r.rolcanlogin, p.prosecdef FROM pg_proc p
        JOIN pg_roles r ON r.oid = p.proowner WHERE p.oid = 'audit.capture()'::regprocedure
        """
      ).rows[0]
      #expect(try owner.decode("rolname", as: String.self) == "mscreg_audit_writer")
      #expect(try owner.decode("rolcanlogin", as: Bool.self) == false)
      #expect(try owner.decode("prosecdef", as: Bool.self) == true)
    }
  }

  @Test func aStaleRepeatableReadSnapshotCannotForkTheChain() throws {
    try TestDatabase.with { db in
      let stale = try db.connect()
      let other = try db.connect()
      try stale.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
      try stale.query("SELECT count(*) FROM registry.site")
      try other.query("INSERT INTO registry.site (code, name) VALUES ('ONE', 'One')")
      let error = try #require(throws: PostgresError.self) {
        try stale.query("INSERT INTO registry.site (code, name) VALUES ('TWO', 'Two')")
      }
      #expect(error.sqlState == "40001")
      try stale.execute("ROLLBACK")
      // Retried, it appends after the other transaction's row.
      try stale.transaction(isolation: .repeatableRead) { tx in
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('TWO', 'Two')")
      }
      #expect(try verify(db)["audit.log"]?.isIntact == true)
    }
  }
}
