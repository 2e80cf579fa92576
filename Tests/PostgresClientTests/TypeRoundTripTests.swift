import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite(.blocking) struct TypeRoundTripTests {
  @Test func scalarsRoundTripThroughTheServer() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      let text = "Tomás \"quoted\" back\\slash\ttab\nnewline '; DROP TABLE x; --"
      let now = Date(timeIntervalSince1970: 1_790_000_000.123456)
      let row = try #require(
        try c.query(
          """
          SELECT $1::text AS t, $2::int AS i, $3::bigint AS b, $4::float8 AS d,
                 $5::numeric AS n, $6::bool AS yes, $7::date AS day, $8::timestamptz AS ts,
                 $9::jsonb AS j, $10::text AS nothing
          """,
          [
            text, 42, Int64.max, 0.1 + 0.2, Decimal(string: "12345678901234567890.123456789")!,
            true, PostgresDate(year: 2026, month: 2, day: 28), now,
            PostgresJSON(#"{"b": [1, 2], "a": "x"}"#), String?.none,
          ]
        ).rows.first)
      #expect(try row.decode("t") == text)
      #expect(try row.decode("i") == 42)
      #expect(try row.decode("b") == Int64.max)
      #expect(try row.decode("d") == 0.1 + 0.2)
      #expect(try row.decode("n") == Decimal(string: "12345678901234567890.123456789")!)
      #expect(try row.decode("yes") == true)
      #expect(try row.decode("day") == PostgresDate(year: 2026, month: 2, day: 28))
      let ts: Date = try row.decode("ts")
      #expect(abs(ts.timeIntervalSince1970 - now.timeIntervalSince1970) < 1e-6)
      let json: PostgresJSON = try row.decode("j")
      #expect(json.text == #"{"a": "x", "b": [1, 2]}"#)
      #expect(try row.decode("nothing", as: String?.self) == nil)
      #expect(throws: PostgresError.self) { try row.decode("nothing", as: String.self) }
    }
  }

  @Test func timestampsWithOffsetsDecodeToTheSameInstant() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("SET TIME ZONE 'Asia/Kolkata'")
      let row = try c.query(
        "SELECT '2026-11-21 10:30:00+05:30'::timestamptz AS a, '2026-11-21 05:00:00Z'::timestamptz AS b"
      ).rows[0]
      let a: Date = try row.decode("a")
      let b: Date = try row.decode("b")
      #expect(a == b)
    }
  }

  @Test func arraysWithNullsAndQuotes() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      let values: [String?] = ["plain", "with,comma", "with \"quote\"", nil, "back\\slash", ""]
      let row = try c.query(
        "SELECT $1::text[] AS a, array_length($1::text[], 1) AS n, ARRAY[1, NULL, 3] AS ints",
        [PostgresArray(values)]
      ).rows[0]
      #expect(try row.decode("n") == 6)
      let back: PostgresArray<String> = try row.decode("a")
      #expect(back.elements == values)
      let ints: PostgresArray<Int> = try row.decode("ints")
      #expect(ints.elements == [1, nil, 3])
    }
  }

  @Test func doublesKeepSpecialValues() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      let row = try c.query(
        "SELECT $1::float8 AS inf, $2::float8 AS tiny",
        [Double.infinity, Double.leastNonzeroMagnitude]
      ).rows[0]
      #expect(try row.decode("inf", as: Double.self) == .infinity)
      #expect(try row.decode("tiny", as: Double.self) == .leastNonzeroMagnitude)
    }
  }
}
