import PostgresClient
import TestSupport
import Testing

struct Boom: Error {}

@Suite(.blocking) struct TransactionTests {
  @Test func commitsWhenBodyReturns() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (v int)")
      _ = try c.transaction { tx in try tx.query("INSERT INTO t VALUES (1)") }
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 1)
    }
  }

  @Test func rollsBackWhenBodyThrows() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (v int)")
      #expect(throws: Boom.self) {
        try c.transaction { tx in
          try tx.query("INSERT INTO t VALUES (1)")
          throw Boom()
        }
      }
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 0)
    }
  }

  @Test func retriesSerializationFailuresBoundedly() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (v int)")
      var attempts = 0
      try c.transaction(retries: 3) { tx in
        attempts += 1
        try tx.query("INSERT INTO t VALUES ($1)", [attempts])
        if attempts < 3 {
          try tx.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
        }
      }
      #expect(attempts == 3)
      // Only the successful attempt's row is there.
      let rows = try c.query("SELECT v FROM t").rows
      #expect(rows.count == 1)
      #expect(try rows[0].decode("v") == 3)

      var always = 0
      let error = try #require(throws: PostgresError.self) {
        try c.transaction(retries: 2) { tx in
          always += 1
          try tx.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
        }
      }
      #expect(error.sqlState == .deadlockDetected)
      #expect(always == 3)
    }
  }

  @Test func realSerializationConflictIsRetriedToSuccess() throws {
    try TestDatabase.with(migrated: false) { db in
      let a = try db.connect()
      let b = try db.connect()
      try a.execute("CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)")
      var attempts = 0
      try a.transaction(isolation: .serializable) { tx in
        attempts += 1
        _ = try tx.query("SELECT n FROM counter")
        if attempts == 1 {
          // Another session commits a change to the row this transaction read.
          try b.execute("UPDATE counter SET n = n + 1")
        }
        try tx.query("UPDATE counter SET n = n + 10")
      }
      #expect(attempts == 2)
      #expect(try a.query("SELECT n FROM counter").rows[0].decode("n") == 11)
    }
  }
}
