import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

@Suite(.blocking) struct AuditChainTests {
  func verify(_ db: TestDatabase, anchors: [AuditAnchor] = []) throws -> [String: AuditChainStatus]
  {
    let chains = try AuditService(RegistryDatabase(conninfo: db.conninfo)).verify(anchors: anchors)
    return Dictionary(uniqueKeysWithValues: chains.map { ($0.table, $0) })
  }

  /// Runs SQL as the superuser with the audit tables' user triggers off (tampering).
  func tamper(_ db: TestDatabase, _ sql: String) throws {
    let c = try db.connect()
    defer { c.close() }
    try c.execute(
      """
      ALTER TABLE audit.log DISABLE TRIGGER USER;
      ALTER TABLE audit.chain_entry DISABLE TRIGGER USER;
      ALTER TABLE identity.audit_log DISABLE TRIGGER USER;
      \(sql);
      ALTER TABLE audit.log ENABLE TRIGGER USER;
      ALTER TABLE audit.chain_entry ENABLE TRIGGER USER;
      ALTER TABLE identity.audit_log ENABLE TRIGGER USER;
      """)
  }

  func ids(_ db: TestDatabase) throws -> [Int64] {
    try db.connect().query("SELECT id FROM audit.log ORDER BY id").rows.map { try $0.decode("id") }
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
      #expect(log.level == "values" && identity.level == "values")
      // Three identities and the seed-bearing columns of the fixture's two protocol loads
      // (migration 0091).
      #expect(identity.rows == 5)
      let count: Int64 = try c.query("SELECT count(*) AS n FROM audit.log").rows[0].decode("n")
      #expect(log.rows == count && count > 10)
      let head = try c.query(
        "SELECT seq, hash FROM audit.chain_entry WHERE chain = 'audit.log' ORDER BY seq DESC LIMIT 1"
      ).rows[0]
      #expect(log.headHash == (try head.decode("hash", as: String.self)))
      #expect(log.headID == (try head.decode("seq", as: Int64.self)))
      // The first entry starts the chain; every other entry names the hash of the one before,
      // and every row belongs to exactly one entry.
      let unlinked: Int = try c.query(
        """
        SELECT count(*)::int AS n FROM (
          SELECT prev_hash, lag(hash) OVER (PARTITION BY chain ORDER BY seq) AS before
          FROM audit.chain_entry) x
        WHERE prev_hash IS DISTINCT FROM before
        """
      ).rows[0].decode("n")
      #expect(unlinked == 0)
      let covered: Int64 = try c.query(
        "SELECT sum(n_rows)::bigint AS n FROM audit.chain_entry WHERE chain = 'audit.log'"
      ).rows[0].decode("n")
      #expect(covered == count)
      // The reason is required and the log append-only, as before the chain.
      let error = try #require(throws: PostgresError.self) {
        try c.query("UPDATE registry.site SET name = 'x'")
      }
      #expect(error.sqlState == .reasonRequired)
      for statement in [
        "UPDATE audit.log SET reason = 'forged'", "DELETE FROM audit.chain_entry",
        "UPDATE identity.audit_log SET reason = 'forged'",
      ] {
        let forged = try #require(throws: PostgresError.self) { try c.query(statement) }
        #expect(forged.sqlState == .auditAppendOnly)
      }
    }
  }

  /// Multi-row INSERT and DELETE statements are captured set-wise (migration 0092): research
  /// and identity rows, old and new values, in statement order, and both chains verify with
  /// every digest recomputed in Swift from the values and salts.
  @Test func multiRowStatementsAreCapturedSetWiseAndVerify() throws {
    try TestDatabase.with { db in
      let fixture = try RegistryFixture(db)
      var studyIDs: [String] = []
      for i in 0..<3 {
        studyIDs.append(
          try EnrollmentService(fixture.registry).enroll(
            try RegistryFixture.sleCandidate(mrn: "MRN-SET-\(i)")
          ).studyID)
      }
      let c = try db.connect()
      let list = studyIDs.map { "'\($0)'" }.joined(separator: ", ")
      // Without a reason a multi-row delete is refused, and nothing is written.
      let refused = try #require(throws: PostgresError.self) {
        try c.query("DELETE FROM identity.patient_identity WHERE study_id IN (\(list))")
      }
      #expect(refused.sqlState == "MR001")
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'set-wise capture', true)")
        try tx.query(
          "INSERT INTO registry.site (code, name) VALUES ('SW1', 'One'), ('SW2', 'Two'), ('SW3', 'Three')"
        )
        try tx.query("DELETE FROM registry.site WHERE code IN ('SW1', 'SW2', 'SW3')")
        try tx.query("DELETE FROM identity.patient_identity WHERE study_id IN (\(list))")
      }
      let research = try c.query(
        """
        SELECT action, row_key FROM audit.log WHERE table_name = 'registry.site'
          AND row_key LIKE 'SW%' ORDER BY id
        """
      ).rows.map {
        "\(try $0.decode("action", as: String.self)) \(try $0.decode("row_key", as: String.self))"
      }
      #expect(
        research == [
          "INSERT SW1", "INSERT SW2", "INSERT SW3", "DELETE SW1", "DELETE SW2", "DELETE SW3",
        ])
      let deleted = try c.query(
        """
        SELECT row_key, reason, old_row ->> 'mrn' AS mrn, new_row IS NULL AS gone,
               (SELECT count(*) FROM jsonb_object_keys(fields) k WHERE k LIKE 'old.%')::int AS olds,
               fields ? 'reason' AS has_reason, salts ? 'old.mrn' AS salted
        FROM identity.audit_log WHERE action = 'DELETE' ORDER BY id
        """
      ).rows
      #expect(deleted.count == 3)
      for row in deleted {
        #expect(try row.decode("reason", as: String.self) == "set-wise capture")
        #expect((try row.decode("mrn", as: String.self)).hasPrefix("MRN-SET-"))
        #expect(try row.decode("gone", as: Bool.self))
        #expect(try row.decode("olds", as: Int.self) == 7)
        #expect(try row.decode("has_reason", as: Bool.self))
        #expect(try row.decode("salted", as: Bool.self))
      }
      let chains = try verify(db)
      let log = try #require(chains["audit.log"])
      let identity = try #require(chains["identity.audit_log"])
      #expect(log.isIntact && identity.isIntact)
      #expect(log.level == "values" && identity.level == "values")
      // Changing one deleted identity value is found at its field (the salts were kept).
      let target: Int64 = try c.query(
        "SELECT min(id) AS id FROM identity.audit_log WHERE action = 'DELETE'"
      ).rows[0].decode("id")
      try tamper(
        db,
        "UPDATE identity.audit_log SET old_row = jsonb_set(old_row, '{mrn}', '\"X\"') WHERE id = \(target)"
      )
      let broken = try #require(try verify(db)["identity.audit_log"])
      #expect(!broken.isIntact)
    }
  }

  @Test func aChangedReasonIsFoundAtItsRow() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids = try ids(db)
      let target = ids[ids.count / 2]
      try tamper(db, "UPDATE audit.log SET reason = 'nothing to see' WHERE id = \(target)")
      let log = try #require(try verify(db)["audit.log"])
      let broken = try #require(log.firstBreak)
      #expect(broken.id == target)
      #expect(broken.kind == .rowDigest && broken.subject == .row)
      #expect(broken.expected != broken.stored)
      // Its transaction's entry no longer matches its rows either.
      #expect(log.breaks.contains { $0.kind == .entryRows && $0.subject == .entry })
      #expect(try verify(db)["identity.audit_log"]?.isIntact == true)
    }
  }

  /// The database's hash functions are not trusted: a superuser who replaces them so that
  /// any recomputation in SQL agrees, and edits a middle row, is still found.
  @Test func verifyRecomputesOutsideTheDatabase() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids = try ids(db)
      let target = ids[ids.count / 2]
      try tamper(
        db,
        """
        CREATE OR REPLACE FUNCTION audit.chain_hash(t text) RETURNS text
          LANGUAGE sql IMMUTABLE AS $$ SELECT repeat('0', 64) $$;
        CREATE OR REPLACE FUNCTION audit.row_digest(id bigint, at timestamptz, db_role text,
          action text, table_name text, row_key text, old_row jsonb, new_row jsonb, reason text,
          txid bigint) RETURNS text LANGUAGE sql STABLE AS
          $$ SELECT l.digest FROM audit.log l WHERE l.id = row_digest.id $$;
        UPDATE audit.log SET db_role = 'someone_else' WHERE id = \(target);
        UPDATE audit.log SET digest = audit.row_digest(id, at, db_role, action, table_name,
          row_key, old_row, new_row, reason, txid) WHERE id = \(target)
        """)
      let log = try #require(try verify(db)["audit.log"])
      #expect(!log.isIntact)
      #expect(
        log.breaks.contains { $0.subject == .row && $0.id == target && $0.kind == .rowDigest })
    }
  }

  /// Every break is listed, not only the first: a later edit changes the report.
  @Test func everyBreakIsReported() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids = try ids(db)
      try tamper(db, "UPDATE audit.log SET reason = 'one' WHERE id = \(ids[1])")
      let first = try #require(try verify(db)["audit.log"])
      try tamper(db, "UPDATE audit.log SET reason = 'two' WHERE id = \(ids[ids.count - 1])")
      let second = try #require(try verify(db)["audit.log"])
      let rows = second.breaks.filter { $0.kind == .rowDigest }.map(\.id)
      #expect(rows == [ids[1], ids[ids.count - 1]])
      #expect(second.breaks.count > first.breaks.count)
    }
  }

  @Test func aDeletedRowIsFoundAtTheEntryThatLinkedIt() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let ids = try ids(db)
      let entryOf: (Int64) throws -> Int64 = { id in
        try db.connect().query(
          """
          SELECT e.seq FROM audit.chain_entry e JOIN audit.log l
            ON l.txid = e.txid AND l.id BETWEEN e.first_id AND e.last_id
          WHERE e.chain = 'audit.log' AND l.id = $1
          """, [id]
        ).rows[0].decode("seq")
      }
      let seq2 = try entryOf(ids[2])
      try tamper(db, "DELETE FROM audit.log WHERE id = \(ids[2])")
      let broken = try #require(try verify(db)["audit.log"]?.firstBreak)
      #expect(broken.id == seq2)
      #expect(broken.kind == .entryRows && broken.subject == .entry)
      // A rewritten row whose own digest is recomputed still breaks its entry.
      let seq0 = try entryOf(ids[0])
      try tamper(
        db,
        """
        UPDATE audit.log SET reason = 'rewritten',
          digest = audit.row_digest(id, at, db_role, action, table_name, row_key,
            old_row, new_row, 'rewritten', txid)
        WHERE id = \(ids[0])
        """)
      let first = try #require(try verify(db)["audit.log"]?.firstBreak)
      #expect(first.id == seq0)
      #expect(first.kind == .entryRows)
      // A removed entry: the next one no longer names its predecessor, and a number is missing.
      let n: Int64 = try db.connect().query(
        "SELECT max(seq) AS n FROM audit.chain_entry WHERE chain = 'audit.log'"
      ).rows[0].decode("n")
      #expect(n > seq2 + 1)
      try tamper(db, "DELETE FROM audit.chain_entry WHERE chain = 'audit.log' AND seq = \(n - 1)")
      let log = try #require(try verify(db)["audit.log"])
      #expect(log.breaks.contains { $0.kind == .prevHash && $0.id == n })
      #expect(log.breaks.contains { $0.kind == .missingEntry && $0.id == n })
      #expect(log.breaks.contains { $0.kind == .unlinkedRow })
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
      // 16 identities and the fixture's two protocol loads (migration 0091).
      #expect(chains["identity.audit_log"]?.rows == 18)
      // Chain order is commit order: one entry per transaction, numbered without a gap.
      let c = try db.connect()
      let row = try c.query(
        """
        SELECT (SELECT count(DISTINCT txid) FROM audit.log)::int AS transactions,
               (SELECT count(*) FROM audit.chain_entry WHERE chain = 'audit.log')::int AS entries,
               (SELECT max(seq) FROM audit.chain_entry WHERE chain = 'audit.log')::int AS head
        """
      ).rows[0]
      let entries: Int = try row.decode("entries")
      #expect(entries == (try row.decode("transactions", as: Int.self)))
      #expect(entries == (try row.decode("head", as: Int.self)))
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
        // It may not write (or read) the audit log itself, nor take the chain lock.
        for statement in [
          """
          INSERT INTO audit.log (action, table_name, row_key, digest)
          VALUES ('INSERT', 'registry.site', 'FAKE', repeat('0', 64))
          """,
          "UPDATE audit.chain_head SET touched_by = 0",
          "INSERT INTO audit.pending VALUES ('audit.log', 1, 1)",
        ] {
          let denied = try #require(throws: PostgresError.self) { try app.query(statement) }
          #expect(denied.sqlState == .insufficientPrivilege)
        }
      }
      let row = try admin.query(
        "SELECT db_role, row_key FROM audit.log ORDER BY id DESC LIMIT 1"
      ).rows[0]
      #expect(try row.decode("db_role", as: String.self) == role)
      #expect(try row.decode("row_key", as: String.self) == "APP")
      #expect(try verify(db)["audit.log"]?.isIntact == true)
      // The writer owns the trigger functions and cannot log in.
      for function in ["audit.capture()", "audit.capture_rows()", "audit.link()"] {
        let owner = try admin.query(
          """
          SELECT r.rolname, r.rolcanlogin, p.prosecdef FROM pg_proc p
          JOIN pg_roles r ON r.oid = p.proowner WHERE p.oid = $1::regprocedure
          """, [function]
        ).rows[0]
        #expect(try owner.decode("rolname", as: String.self) == "mscreg_audit_writer")
        #expect(try owner.decode("rolcanlogin", as: Bool.self) == false)
        #expect(try owner.decode("prosecdef", as: Bool.self) == true)
      }
    }
  }

  /// UPDATE is captured per statement (0101): every changed row of a multi-row update gets
  /// its own audit row with its own old and new values, unchanged rows none, and the chain
  /// verifies in Swift.
  @Test func aMultiRowUpdateIsCapturedRowByRowInOneStatement() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      defer { c.close() }
      try c.query(
        """
        INSERT INTO registry.site (code, name) VALUES
          ('UA', 'Alpha'), ('UB', 'Beta'), ('UC', 'Gamma'), ('UD', 'Delta')
        """)
      let changed = try c.transaction { tx -> Int in
        try tx.query("SELECT set_config('mscreg.reason', 'renamed', true)")
        return try tx.query(
          """
          UPDATE registry.site SET name = CASE WHEN code = 'UC' THEN name ELSE name || ' 2' END
          WHERE code IN ('UA', 'UB', 'UC', 'UD')
          """
        ).affectedRows
      }
      #expect(changed == 4)
      let rows = try c.query(
        """
        SELECT row_key, old_row ->> 'name' AS old, new_row ->> 'name' AS new, reason
        FROM audit.log WHERE action = 'UPDATE' AND table_name = 'registry.site' ORDER BY row_key
        """
      ).rows
      let seen = try rows.map {
        [
          try $0.decode("row_key", as: String.self), try $0.decode("old", as: String.self),
          try $0.decode("new", as: String.self), try $0.decode("reason", as: String.self),
        ]
      }
      #expect(
        seen == [
          ["UA", "Alpha", "Alpha 2", "renamed"], ["UB", "Beta", "Beta 2", "renamed"],
          ["UD", "Delta", "Delta 2", "renamed"],
        ])
      let chains = try verify(db)
      #expect(chains["audit.log"]?.isIntact == true, "\(String(describing: chains["audit.log"]))")
    }
  }

  @Test func aStaleRepeatableReadSnapshotCannotForkTheChain() throws {
    try TestDatabase.with { db in
      let stale = try db.connect()
      let other = try db.connect()
      try stale.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
      try stale.query("SELECT count(*) FROM registry.site")
      try other.query("INSERT INTO registry.site (code, name) VALUES ('ONE', 'One')")
      try stale.query("INSERT INTO registry.site (code, name) VALUES ('TWO', 'Two')")
      // The stale transaction is linked at commit, where its old snapshot is refused.
      let error = try #require(throws: PostgresError.self) { try stale.execute("COMMIT") }
      #expect(error.sqlState == .serializationFailure)
      // Retried, it appends after the other transaction's row.
      _ = try stale.transaction(isolation: .repeatableRead) { tx in
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('TWO', 'Two')")
      }
      #expect(try verify(db)["audit.log"]?.isIntact == true)
      #expect(try verify(db)["audit.log"]?.rows == 2)
    }
  }

  /// Anchors: a deleted tail, a consistently rewritten chain and a forged row before the
  /// anchor all fail verification against an anchor written earlier.
  @Test func anchorsShowDeletedTailsAndRewrittenChains() throws {
    try TestDatabase.with { db in
      let fixture = try RegistryFixture(db)
      let service = AuditService(fixture.registry)
      let early = try service.anchor()
      _ = try SiteService(fixture.registry).add(code: "LATE", name: "Late", country: nil)
      let late = try service.anchor()
      let earlyLog = try #require(early.chains.first { $0.chain == "audit.log" })
      let lateLog = try #require(late.chains.first { $0.chain == "audit.log" })
      #expect(lateLog.id == earlyLog.id + 1)
      #expect(try verify(db, anchors: early.chains + late.chains).values.allSatisfy(\.isIntact))
      // Delete the newest transaction's rows and entry: a shorter chain that is itself valid.
      try tamper(
        db,
        """
        DELETE FROM audit.log WHERE txid = (SELECT txid FROM audit.chain_entry
          WHERE chain = 'audit.log' AND seq = \(lateLog.id));
        DELETE FROM audit.chain_entry WHERE chain = 'audit.log' AND seq = \(lateLog.id);
        UPDATE audit.chain_head SET seq = \(earlyLog.id), hash = '\(earlyLog.hash)'
          WHERE chain = 'audit.log'
        """)
      #expect(try verify(db)["audit.log"]?.isIntact == true)
      let tail = try #require(try verify(db, anchors: late.chains)["audit.log"])
      #expect(tail.breaks.map(\.kind) == [.anchor])
      #expect(tail.breaks.first?.id == lateLog.id)
      #expect(try verify(db, anchors: early.chains)["audit.log"]?.isIntact == true)
      // Forge a row before the early anchor and rewrite the whole chain consistently.
      try tamper(
        db,
        """
        UPDATE audit.log SET reason = 'forged', digest = audit.row_digest(id, at, db_role,
          action, table_name, row_key, old_row, new_row, 'forged', txid)
        WHERE id = (SELECT min(id) FROM audit.log);
        CREATE TEMP TABLE rebuilt AS SELECT * FROM audit.chain_entry WHERE chain = 'audit.log';
        DELETE FROM audit.chain_entry WHERE chain = 'audit.log';
        DO $$
        DECLARE e record; prev text; rd text; h text;
        BEGIN
          FOR e IN SELECT * FROM rebuilt ORDER BY seq LOOP
            SELECT audit.chain_hash(string_agg(digest, '' ORDER BY id)) INTO rd FROM audit.log
              WHERE txid = e.txid AND id BETWEEN e.first_id AND e.last_id;
            h := audit.chain_hash(json_build_array('audit.log', e.seq, prev, e.txid, e.first_id,
              e.last_id, e.n_rows, rd, audit.utc_text(e.linked_at))::text);
            INSERT INTO audit.chain_entry VALUES ('audit.log', e.seq, prev, e.txid, e.first_id,
              e.last_id, e.n_rows, rd, e.linked_at, h);
            prev := h;
          END LOOP;
        END $$
        """)
      #expect(try verify(db)["audit.log"]?.isIntact == true)
      let rewritten = try #require(try verify(db, anchors: early.chains)["audit.log"])
      #expect(rewritten.breaks.map(\.kind) == [.anchor])
      #expect(rewritten.breaks.first?.expected == earlyLog.hash)
    }
  }
}
