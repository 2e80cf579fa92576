import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// The audit chain and the rules that count rows, with concurrent writers at every isolation
/// level (issue 14, item 3).
@Suite(.blocking) struct AuditIsolationTests {
  static let levels: [IsolationLevel] = [.readCommitted, .repeatableRead, .serializable]

  func verify(_ db: TestDatabase) throws -> [String: AuditChainStatus] {
    let chains = try AuditService(RegistryDatabase(conninfo: db.conninfo)).verify()
    return Dictionary(uniqueKeysWithValues: chains.map { ($0.table, $0) })
  }

  /// Entries are numbered 1…n without a gap, each names the one before, and every transaction
  /// with audit rows has exactly one entry.
  func expectLinear(_ db: TestDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let c = try db.connect()
    defer { c.close() }
    let row = try c.query(
      """
      SELECT (SELECT count(*) FROM (
                SELECT chain, seq, row_number() OVER (PARTITION BY chain ORDER BY seq) AS n,
                       prev_hash, lag(hash) OVER (PARTITION BY chain ORDER BY seq) AS before
                FROM audit.chain_entry) x
              WHERE seq <> n OR prev_hash IS DISTINCT FROM before)::int AS bad_links,
             (SELECT count(*) FROM (SELECT txid FROM audit.chain_entry WHERE chain = 'audit.log'
                GROUP BY txid HAVING count(*) > 1) d)::int AS split,
             (SELECT count(DISTINCT txid) FROM audit.log)::int AS transactions,
             (SELECT count(*) FROM audit.chain_entry WHERE chain = 'audit.log')::int AS entries
      """
    ).rows[0]
    #expect(try row.decode("bad_links", as: Int.self) == 0, sourceLocation: sourceLocation)
    #expect(try row.decode("split", as: Int.self) == 0, sourceLocation: sourceLocation)
    #expect(
      try row.decode("transactions", as: Int.self) == row.decode("entries", as: Int.self),
      sourceLocation: sourceLocation)
  }

  @Test(arguments: levels)
  func concurrentWritersKeepOneLinearChain(_ level: IsolationLevel) throws {
    try TestDatabase.with { db in
      let conninfo = db.conninfo
      _ = try Concurrently.run(6) { task in
        let c = try Connection(conninfo: conninfo)
        defer { c.close() }
        for i in 0..<5 {
          _ = try c.transaction(isolation: level, retries: 200) { tx in
            try tx.query(
              "INSERT INTO registry.site (code, name) VALUES ($1, 'Concurrent')",
              ["C\(task)X\(i)"])
            try tx.query("SELECT set_config('mscreg.reason', 'concurrent rename', true)")
            try tx.query(
              "UPDATE registry.site SET name = 'Renamed' WHERE code = $1", ["C\(task)X\(i)"])
          }
        }
      }
      let chains = try verify(db)
      #expect(chains["audit.log"]?.isIntact == true, "\(String(describing: chains["audit.log"]))")
      #expect(chains["audit.log"]?.rows == 60)
      #expect(chains["audit.log"]?.entries == 30)
      try expectLinear(db)
    }
  }

  /// The REPEATABLE READ bug of issue 14: a transaction whose snapshot predates another's
  /// infusion counted without it (5 infusions where 4 are allowed). Now, at every level, the
  /// second writer is refused (READ COMMITTED) or must retry (40001) and is then refused.
  @Test(arguments: levels)
  func maxInfusionsHoldsWithAnOlderSnapshot(_ level: IsolationLevel) throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      try t.infuse(msc, lot: "UC-1", on: "2026-01-10", cells: 7e7)  // 1 of at most 2
      func insert(_ c: Connection, _ date: String) throws {
        try c.query(
          """
          INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg, total_cells,
            dose_per_kg, route)
          VALUES ($1, 'UC-1', $2::date, 70, 7e7, 1e6, 'iv')
          """, [msc, date])
      }
      let a = try db.connect()
      let b = try db.connect()
      defer {
        a.close()
        b.close()
      }
      try a.execute("BEGIN ISOLATION LEVEL \(level.rawValue)")
      try b.execute("BEGIN ISOLATION LEVEL \(level.rawValue)")
      try a.query("SELECT count(*) FROM registry.infusion")  // both snapshots taken now
      try b.query("SELECT count(*) FROM registry.infusion")
      try insert(a, "2026-01-20")
      try a.execute("COMMIT")
      var state: String
      do {
        try insert(b, "2026-02-20")
        try b.execute("COMMIT")
        state = "committed"
      } catch let error as PostgresError {
        state = error.sqlState.rawValue
        _ = try? b.execute("ROLLBACK")
      }
      if level == .readCommitted {
        #expect(state == SQLState.infusionRefused.rawValue)
      } else {
        #expect(state == SQLState.serializationFailure.rawValue)
        // Retried, it sees the other infusion and is refused.
        let retried = try #require(throws: PostgresError.self) {
          try b.transaction(isolation: level) { tx in try insert(tx, "2026-02-20") }
        }
        #expect(retried.sqlState == .infusionRefused)
        #expect(retried.message.contains("at most 2"))
      }
      let live: Int = try db.connect().query(
        "SELECT count(*)::int AS n FROM registry.infusion WHERE study_id = $1 AND voided_at IS NULL",
        [msc]
      ).rows[0].decode("n")
      #expect(live == 2)
      #expect(try verify(db).values.allSatisfy(\.isIntact))
    }
  }

  @Test(arguments: levels)
  func concurrentInfusionsAndAssessmentsRespectTheirLimits(_ level: IsolationLevel) throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      let msc = LotInfusionTrial.ids(try t.enrollSLE(4), arm: "msc")[0]
      try t.lot(LotInfusionTrial.entry("UC-1"))
      let conninfo = db.conninfo
      let outcomes = Outcomes()
      _ = try Concurrently.run(6) { task in
        let c = try Connection(conninfo: conninfo)
        defer { c.close() }
        do {
          _ = try c.transaction(isolation: level, retries: 200) { tx in
            try tx.query(
              """
              INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg,
                total_cells, dose_per_kg, route)
              VALUES ($1, 'UC-1', $2::date, 70, 7e7, 1e6, 'iv')
              """, [msc, "2026-0\(task % 5 + 1)-1\(task % 2)"])
          }
          outcomes.add("infusion", "ok")
        } catch let error as PostgresError {
          outcomes.add("infusion", error.sqlState.rawValue)
        }
        do {
          _ = try c.transaction(isolation: level, retries: 200) { tx in
            try tx.query(
              """
              INSERT INTO registry.assessment (study_id, visit_code, assessed_on, engine_version)
              VALUES ($1, 'week4', '2026-02-02', 'test')
              """, [msc])
          }
          outcomes.add("assessment", "ok")
        } catch let error as PostgresError {
          outcomes.add("assessment", error.sqlState.rawValue)
        }
      }
      let c = try db.connect()
      defer { c.close() }
      let counts = try c.query(
        """
        SELECT (SELECT count(*) FROM registry.infusion WHERE study_id = $1 AND voided_at IS NULL)::int AS inf,
               (SELECT count(*) FROM registry.assessment WHERE study_id = $1
                  AND visit_code = 'week4' AND voided_at IS NULL)::int AS asm
        """, [msc]
      ).rows[0]
      #expect(try counts.decode("inf", as: Int.self) <= 2, "\(outcomes.results("infusion"))")
      #expect(try counts.decode("asm", as: Int.self) == 1, "\(outcomes.results("assessment"))")
      #expect(outcomes.results("assessment").filter { $0 == "ok" }.count == 1)
      #expect(try verify(db).values.allSatisfy(\.isIntact))
      try expectLinear(db)
    }
  }

  /// No `mscreg.*` setting feeds the chain: a session that sets the old carried-hash settings
  /// (or any other) to anything, before and during its writes, cannot break or fork it.
  @Test func clientSettingsCannotBreakTheChain() throws {
    try TestDatabase.with { db in
      let c = try db.connect()
      defer { c.close() }
      let junk = String(repeating: "f", count: 64)
      try c.execute(
        """
        SET mscreg.audit_last_hash = '0:\(junk)';
        SET mscreg.identity_audit_last_hash = 'x';
        SET mscreg.chain = 'forked';
        """)
      try c.query("INSERT INTO registry.site (code, name) VALUES ('GUC1', 'One')")
      try c.transaction { tx in
        let xid: Int64 = try tx.query("SELECT txid_current() AS x").rows[0].decode("x")
        try tx.query(
          "SELECT set_config('mscreg.audit_last_hash', $1, true)", ["\(xid):\(junk)"])
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('GUC2', 'Two')")
        try tx.query("SELECT set_config('mscreg.audit_last_hash', '', true)")
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('GUC3', 'Three')")
      }
      let chains = try verify(db)
      #expect(chains["audit.log"]?.isIntact == true)
      #expect(chains["audit.log"]?.rows == 3)
      #expect(chains["audit.log"]?.entries == 2)
      try expectLinear(db)
      // Linking earlier (SET CONSTRAINTS … IMMEDIATE) only splits a transaction's entries.
      try c.transaction { tx in
        try tx.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('GUC4', 'Four')")
        try tx.query("INSERT INTO registry.site (code, name) VALUES ('GUC5', 'Five')")
      }
      let after = try verify(db)
      #expect(after["audit.log"]?.isIntact == true)
      #expect(after["audit.log"]?.entries == 4)
    }
  }
}
