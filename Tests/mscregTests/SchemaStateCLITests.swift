import Foundation
import PostgresClient
import TestSupport
import Testing

/// Every command but `db migrate` and `db status` requires, when it connects, the schema of the
/// migrations its binary knows: not migrated, migrated by an older binary, or newer than the
/// binary are each refused with one `error: database:` line and exit 69, before anything runs.
@Suite(.blocking) struct SchemaStateCLITests {
  static let notMigrated = "error: database: schema not migrated; run mscreg db migrate\n"

  /// A copy of the migrations folder without its newest file: what an older binary applied.
  static func olderMigrations() throws -> (folder: URL, newest: String) {
    let fm = FileManager.default
    let source = TestDatabase.migrationsFolder
    let files = try fm.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".sql") }
      .sorted()
    let newest = try #require(files.last)
    let folder = fm.temporaryDirectory.appendingPathComponent(
      "mscreg-older-\(UInt32.random(in: 0...UInt32.max))")
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    for file in files.dropLast() {
      try fm.copyItem(
        at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
    }
    return (folder, newest)
  }

  @Test func aDatabaseNeverMigratedIsRefusedExceptByDBCommands() throws {
    let db = try TestDatabase.create(migrated: false)
    defer { db.drop() }
    for arguments in [
      ["site", "list"], ["site", "add", "PAN", "--name", "Panama"], ["audit", "verify"],
      ["protocol", "load", "config/protocols/sle-ucmsc.yaml"],
    ] {
      let result = try CLIRunner.run(arguments, database: db)
      #expect(result.status == 69, "\(arguments)")
      #expect(result.stderr == Self.notMigrated, "\(arguments)")
      #expect(result.stdout.isEmpty)
    }
    // Nothing was created by the refused commands; db status and db migrate still work.
    let conn = try db.connect()
    let tables = try conn.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname <> 'pg_catalog' "
        + "AND schemaname <> 'information_schema'")
    let count: Int = try tables.rows[0].decode("n")
    #expect(count == 0)
    #expect(try CLIRunner.run(["db", "status"], database: db).status == 0)
    #expect(try CLIRunner.run(["db", "migrate"], database: db).status == 0)
    let after = try CLIRunner.run(["site", "list"], database: db)
    #expect(after.status == 0, "\(after.stderr)")
  }

  @Test func aDatabaseMigratedByAnOlderBinaryIsRefusedForEveryRole() throws {
    let (older, newest) = try Self.olderMigrations()
    defer { try? FileManager.default.removeItem(at: older) }
    let db = try TestDatabase.create(migrated: false)
    defer { db.drop() }
    let migrate = try CLIRunner.run(
      ["db", "migrate", "--migrations", older.path], database: db)
    try #require(migrate.status == 0, "\(migrate.stderr)")
    // A coordinator of that registry, made as the older binary would.
    let coordinator = db.userName("coord")
    let conn = try db.connect()
    try conn.execute("INSERT INTO registry.site (code, name) VALUES ('PAN', 'Panama')")
    try conn.query(
      "SELECT registry.create_user($1, 'coordinator', ARRAY['PAN'])", [coordinator])
    let asCoordinator = ["MSCREG_DATABASE": try db.conninfo(asUser: coordinator)]

    let owner = try CLIRunner.run(["site", "list"], database: db)
    #expect(owner.status == 69)
    #expect(owner.stderr == Self.notMigrated)
    let coord = try CLIRunner.run(["patient", "list"], environment: asCoordinator)
    #expect(coord.status == 69)
    #expect(coord.stderr == Self.notMigrated)
    // db status names the pending file; db migrate applies it; then both roles go on.
    let status = try CLIRunner.run(["db", "status"], database: db)
    #expect(status.status == 0)
    #expect(status.stdout.contains("pending"))
    let applied = try CLIRunner.run(["db", "migrate"], database: db)
    #expect(applied.stdout == "applied \(newest)\n")
    #expect(try CLIRunner.run(["site", "list"], database: db).status == 0)
    let later = try CLIRunner.run(["patient", "list"], environment: asCoordinator)
    #expect(later.status == 0, "\(later.stderr)")
  }

  @Test func aSchemaNewerThanTheBinaryIsRefused() throws {
    let db = try TestDatabase.create()
    defer { db.drop() }
    let conn = try db.connect()
    try conn.execute(
      "INSERT INTO public.schema_migrations (version, name, checksum) "
        + "VALUES (9999, 'from_a_newer_binary', 'x')")
    let result = try CLIRunner.run(["site", "list"], database: db)
    #expect(result.status == 69)
    #expect(
      result.stderr
        == "error: database: schema is newer than this mscreg (migration "
        + "9999_from_a_newer_binary.sql is applied but unknown to it); use the mscreg that "
        + "migrated the database\n")
    // db status shows it; db migrate refuses to run under it (exit 65, as before).
    let status = try CLIRunner.run(["db", "status"], database: db)
    #expect(status.status == 0)
    #expect(status.stdout.contains("missing"))
    #expect(try CLIRunner.run(["db", "migrate"], database: db).status == 65)
  }

  @Test func theScoreCalculatorNeedsNoDatabase() throws {
    let result = try CLIRunner.run(
      ["score", "meld", "--bilirubin", "4.2", "--creatinine", "1.9", "--inr", "1.2"],
      environment: ["MSCREG_DATABASE": "host=/nonexistent dbname=none"])
    #expect(result.status == 0)
  }
}
