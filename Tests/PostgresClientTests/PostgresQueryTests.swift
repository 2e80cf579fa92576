import Foundation
import PostgresClient
import TestSupport
import Testing

/// `PostgresQuery`: every interpolated value is a bind parameter; SQL text needs
/// `\(unescaped:)`; embedded queries keep their parameters, renumbered.
@Suite struct PostgresQueryTests {
  @Test func valuesBecomeNumberedParameters() {
    let code = "PAN'; DROP TABLE x; --"
    let limit = 3
    let q: PostgresQuery = "SELECT * FROM site WHERE code = \(code) LIMIT \(limit)"
    #expect(q.sql == "SELECT * FROM site WHERE code = $1 LIMIT $2")
    #expect(q.binds == [code, "3"])
    let none: String? = nil
    let n: PostgresQuery = "SELECT \(none)::text IS NULL AS x"
    #expect(n.sql == "SELECT $1::text IS NULL AS x")
    #expect(n.binds == [nil])
  }

  @Test func sqlTextNeedsTheUnescapedMarkerAndQueriesEmbedWithTheirParameters() {
    let lock = "FOR UPDATE"
    let filter: PostgresQuery = "site = \("BOG") AND n > \(2)"
    let q: PostgresQuery = "SELECT \(1) AS a WHERE \(filter) \(unescaped: lock)"
    #expect(q.sql == "SELECT $1 AS a WHERE site = $2 AND n > $3 FOR UPDATE")
    #expect(q.binds == ["1", "BOG", "2"])
    let joined = PostgresQuery.joined(["a = \(1)", "b = \(2)", "c = 0"], separator: ", ")
    #expect(joined.sql == "a = $1, b = $2, c = 0")
    let sum = ("x = \(5)" as PostgresQuery) + " AND y = \(6)"
    #expect(sum.sql == "x = $1 AND y = $2")
    #expect(sum.binds == ["5", "6"])
    let values: [any PostgresEncodable] = ["a", 2, true]
    let list: PostgresQuery = "VALUES (\(list: values))"
    #expect(list.sql == "VALUES ($1, $2, $3)")
    #expect(list.binds == ["a", "2", "t"] || list.binds == ["a", "2", "true"])
  }

  @Test func aHostileValueIsStoredAsTextNotRun() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      defer { c.close() }
      try c.execute("CREATE TABLE t (code text)")
      let hostile = "x'); DROP TABLE t; --"
      try c.query("INSERT INTO t VALUES (\(hostile))" as PostgresQuery)
      let stored: String = try c.query("SELECT code FROM t" as PostgresQuery).rows[0].decode(
        "code")
      #expect(stored == hostile)
      let both: PostgresQuery = "SELECT count(*)::int AS n FROM t WHERE code = \(hostile)"
      #expect(try c.query(both).rows[0].decode("n") == 1)
    }
  }
}
