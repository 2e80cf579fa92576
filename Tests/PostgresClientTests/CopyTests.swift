import PostgresClient
import TestSupport
import Testing

@Suite(.blocking) struct CopyTests {
  @Test func streamsManyRowsWithSpecialCharacters() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (id int, label text, note text)")
      let copied = try c.copyIn("COPY t (id, label, note) FROM STDIN") { writer in
        for i in 0..<50_000 {
          try writer.write(row: [String(i), "tab\there\\n \(i)", i % 7 == 0 ? nil : "line\nbreak"])
        }
      }
      #expect(copied == 50_000)
      let row = try c.query(
        "SELECT count(*) AS n, count(note) AS notes, max(label) FILTER (WHERE id = 3) AS l FROM t"
      ).rows[0]
      #expect(try row.decode("n") == 50_000)
      #expect(try row.decode("notes") == 50_000 - 7143)
      #expect(try row.decode("l") == "tab\there\\n 3")
    }
  }

  @Test func badRowFailsTheWholeCopyAndLeavesTheConnectionUsable() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (id int NOT NULL)")
      let error = try #require(throws: PostgresError.self) {
        try c.copyIn("COPY t FROM STDIN") { writer in
          for i in 0..<1000 { try writer.write(row: [String(i)]) }
          try writer.write(row: ["not a number"])
          for i in 0..<1000 { try writer.write(row: [String(i)]) }
        }
      }
      #expect(error.sqlState == .invalidTextRepresentation)
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 0)
      try c.copyIn("COPY t FROM STDIN") { try $0.write(row: ["1"]) }
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 1)
    }
  }

  @Test func anErrorInTheBodyAbortsTheCopy() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      try c.execute("CREATE TABLE t (id int)")
      #expect(throws: Boom.self) {
        try c.copyIn("COPY t FROM STDIN") { writer in
          try writer.write(row: ["1"])
          throw Boom()
        }
      }
      #expect(try c.query("SELECT count(*) AS n FROM t").rows[0].decode("n") == 0)
    }
  }

  @Test func copyIntoMissingTableThrowsAtStart() throws {
    try TestDatabase.with(migrated: false) { db in
      let c = try db.connect()
      let error = try #require(throws: PostgresError.self) {
        try c.copyIn("COPY nope FROM STDIN") { _ in }
      }
      #expect(error.sqlState == .undefinedTable)
    }
  }
}
