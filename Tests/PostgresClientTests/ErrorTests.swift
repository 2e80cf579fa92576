import PostgresClient
import TestSupport
import Testing

@Suite(.blocking) struct ErrorTests {
  @Test func constraintViolationCarriesSQLStateConstraintAndDetail() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (code text CONSTRAINT t_code_key UNIQUE)")
      try c.query("INSERT INTO t VALUES ($1)", ["A"])
      let error = try #require(throws: PostgresError.self) {
        try c.query("INSERT INTO t VALUES ($1)", ["A"])
      }
      #expect(error.sqlState == SQLState.uniqueViolation)
      #expect(error.constraint == "t_code_key")
      #expect(error.detail?.contains("(code)=(A)") == true)
      #expect(error.table == "t")
      // The connection is still usable afterwards.
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 1)
    }
  }

  @Test func syntaxErrorCarriesItsState() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      let error = try #require(throws: PostgresError.self) { try c.query("SELEC 1") }
      #expect(error.sqlState == .syntaxError)
    }
  }

  @Test func failedConnectSaysWhy() throws {
    let error = try #require(throws: PostgresError.self) {
      try Connection(conninfo: "host=/nonexistent-socket-dir port=1 connect_timeout=2")
    }
    #expect(error.isConnectionFailure)
    #expect(error.message.contains("/nonexistent-socket-dir"))
  }

  @Test func malformedConninfoIsRefused() throws {
    #expect(throws: PostgresError.self) { try Connection(conninfo: "host='unterminated") }
  }

  @Test func conninfoDatabaseIsReplacedForKeyValueAndURI() throws {
    let kv = try Conninfo.replacingDatabase(in: "host=/tmp dbname=a user=x", with: "b")
    #expect(kv.contains("dbname='b'") && kv.contains("host='/tmp'") && !kv.contains("'a'"))
    let uri = try Conninfo.replacingDatabase(
      in: "postgresql://u@h:5433/a?sslmode=disable", with: "b")
    #expect(
      uri.contains("dbname='b'") && uri.contains("port='5433'") && uri.contains("sslmode='disable'")
    )
  }
}
