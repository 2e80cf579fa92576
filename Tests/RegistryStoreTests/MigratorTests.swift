import Foundation
import PostgresClient
import RegistryDomain
import RegistryStore
import TestSupport
import Testing

/// A temporary folder of migration files.
struct MigrationFolder {
  let url: URL

  init(_ files: [String: String]) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mscreg-migrations-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, sql) in files { try write(name, sql) }
  }

  func write(_ name: String, _ sql: String) throws {
    try Data(sql.utf8).write(to: url.appendingPathComponent(name))
  }

  func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite(.blocking) struct MigratorTests {
  @Test func appliesInNumericOrderAndIsIdempotent() throws {
    try TestDatabase.with(migrated: false) { db in
      let folder = try MigrationFolder([
        "0010_third.sql": "INSERT INTO steps VALUES (3);",
        "0002_second.sql": "INSERT INTO steps VALUES (2);",
        "0001_first.sql": "CREATE TABLE steps (n int); INSERT INTO steps VALUES (1);",
      ])
      defer { folder.remove() }
      let store = try Store(conninfo: db.conninfo)
      let migrator = Migrator(directory: folder.url)
      #expect(try migrator.status(store).map(\.state) == ["pending", "pending", "pending"])
      let applied = try migrator.migrate(store)
      #expect(applied.map(\.fileName) == ["0001_first.sql", "0002_second.sql", "0010_third.sql"])
      #expect(try migrator.migrate(store).isEmpty)
      let c = try db.connect()
      let order = try c.query("SELECT array_agg(n ORDER BY ctid) AS a FROM steps").rows[0]
      #expect(try order.decode("a", as: PostgresArray<Int>.self).elements == [1, 2, 3])
      let status = try migrator.status(store)
      #expect(status.map(\.state) == ["applied", "applied", "applied"])
      #expect(status.allSatisfy { $0.checksum?.count == 64 })
    }
  }

  @Test func refusesAnAppliedFileThatChanged() throws {
    try TestDatabase.with(migrated: false) { db in
      let folder = try MigrationFolder(["0001_first.sql": "CREATE TABLE a (n int);"])
      defer { folder.remove() }
      let store = try Store(conninfo: db.conninfo)
      let migrator = Migrator(directory: folder.url)
      try migrator.migrate(store)
      try folder.write("0001_first.sql", "CREATE TABLE a (n bigint);")
      try folder.write("0002_second.sql", "CREATE TABLE b (n int);")
      let error = try #require(throws: RegistryError.self) { try migrator.migrate(store) }
      #expect(error.kind == .refused)
      #expect(error.message.contains("0001_first.sql was changed"))
      // Nothing after it was applied either.
      let b = try db.connect().query("SELECT to_regclass('b') IS NULL AS missing").rows[0]
      #expect(try b.decode("missing") == true)
      #expect(try migrator.status(store).map(\.state) == ["changed", "pending"])
    }
  }

  @Test func refusesWhenAnAppliedFileIsMissing() throws {
    try TestDatabase.with(migrated: false) { db in
      let folder = try MigrationFolder(["0001_first.sql": "CREATE TABLE a (n int);"])
      defer { folder.remove() }
      let store = try Store(conninfo: db.conninfo)
      try Migrator(directory: folder.url).migrate(store)
      try FileManager.default.removeItem(at: folder.url.appendingPathComponent("0001_first.sql"))
      let error = try #require(throws: RegistryError.self) {
        try Migrator(directory: folder.url).migrate(store)
      }
      #expect(error.message.contains("missing"))
    }
  }

  @Test func aFailingFileLeavesNoTraceAndStopsTheRun() throws {
    try TestDatabase.with(migrated: false) { db in
      let folder = try MigrationFolder([
        "0001_first.sql": "CREATE TABLE a (n int);",
        "0002_broken.sql": "CREATE TABLE b (n int); INSERT INTO nowhere VALUES (1);",
        "0003_third.sql": "CREATE TABLE c (n int);",
      ])
      defer { folder.remove() }
      let store = try Store(conninfo: db.conninfo)
      let error = try #require(throws: RegistryError.self) {
        try Migrator(directory: folder.url).migrate(store)
      }
      #expect(error.description.contains("0002_broken.sql"))
      let row = try db.connect().query(
        "SELECT to_regclass('a') IS NOT NULL AS a, to_regclass('b') IS NOT NULL AS b, to_regclass('c') IS NOT NULL AS c"
      ).rows[0]
      #expect(try row.decode("a") == true)
      #expect(try row.decode("b") == false)
      #expect(try row.decode("c") == false)
      #expect(
        try Migrator(directory: folder.url).status(store).map(\.state)
          == ["applied", "pending", "pending"])
    }
  }

  @Test func refusesMalformedNames() throws {
    let folder = try MigrationFolder(["1_bad.sql": "SELECT 1;"])
    defer { folder.remove() }
    let error = try #require(throws: RegistryError.self) {
      try Migrator(directory: folder.url).files()
    }
    #expect(error.message.contains("1_bad.sql"))
    let missing = try #require(throws: RegistryError.self) {
      try Migrator(directory: folder.url.appendingPathComponent("nope")).files()
    }
    #expect(missing.kind == .notFound)
  }

  @Test func concurrentMigratorsApplyEachFileOnce() throws {
    try TestDatabase.with(migrated: false) { db in
      let folder = try MigrationFolder([
        "0001_first.sql": "CREATE TABLE runs (n int); SELECT pg_sleep(0.3);",
        "0002_second.sql": "INSERT INTO runs VALUES (2); SELECT pg_sleep(0.2);",
        "0003_third.sql": "INSERT INTO runs VALUES (3);",
      ])
      defer { folder.remove() }
      let url = folder.url
      let conninfo = db.conninfo
      let counts = try Concurrently.run(4) { _ in
        let store = try Store(conninfo: conninfo)
        return try Migrator(directory: url).migrate(store).count
      }
      #expect(counts.reduce(0, +) == 3)
      let rows = try db.connect().query("SELECT count(*) AS n FROM runs").rows[0]
      #expect(try rows.decode("n") == 2)
      let recorded = try db.connect().query("SELECT count(*) AS n FROM schema_migrations").rows[0]
      #expect(try recorded.decode("n") == 3)
    }
  }

  @Test func theRegistrysOwnMigrationsApplyToAnEmptyDatabase() throws {
    try TestDatabase.with(migrated: false) { db in
      let store = try Store(conninfo: db.conninfo)
      let migrator = Migrator(directory: TestDatabase.migrationsFolder)
      let applied = try migrator.migrate(store)
      #expect(applied.count == (try migrator.files().count))
      #expect(try migrator.status(store).allSatisfy { $0.state == "applied" })
    }
  }
}
