import Foundation
import TestSupport
import Testing

/// `make install`'s layout: `PREFIX/bin/mscreg` finds its migrations in
/// `PREFIX/share/mscreg/migrations` (run from a folder without `sql/migrations`), checks the
/// database's schema against them, and prints its shell completions; the Makefile honours
/// `PREFIX` and `DESTDIR`. The release build itself is not repeated here: the built binary is
/// copied into the same layout.
@Suite(.blocking) struct InstallLayoutTests {
  /// Runs a command in a folder; standard output and error apart.
  static func run(
    _ executable: URL, _ arguments: [String], in dir: URL, environment: [String: String] = [:]
  ) throws -> (status: Int32, stdout: String, stderr: String) {
    try ProgramRun.run(
      executable, arguments, in: dir, environment: ["CI": "true"].merging(environment) { $1 },
      removing: ["MSCREG_MIGRATIONS"])
  }

  @Test func theMakefileInstallsUnderDestdirAndPrefix() throws {
    let result = try Self.run(
      URL(fileURLWithPath: "/usr/bin/env"),
      ["make", "-n", "install", "PREFIX=/opt/registry", "DESTDIR=/tmp/stage"],
      in: TestDatabase.repositoryRoot)
    #expect(result.status == 0, "\(result.stderr)")
    let plan = result.stdout
    #expect(plan.contains("swift build -c release --product mscreg"))
    for path in [
      "/tmp/stage/opt/registry/bin/mscreg",
      "/tmp/stage/opt/registry/share/mscreg/migrations/",
      "/tmp/stage/opt/registry/share/bash-completion/completions/mscreg",
      "/tmp/stage/opt/registry/share/zsh/site-functions/_mscreg",
      "/tmp/stage/opt/registry/share/fish/vendor_completions.d/mscreg.fish",
    ] {
      #expect(plan.contains(path), "\(path)")
    }
    for shell in ["bash", "zsh", "fish"] {
      #expect(plan.contains("--generate-completion-script \(shell)"))
    }
  }

  @Test func anInstalledBinaryUsesItsInstalledMigrations() throws {
    let fm = FileManager.default
    let prefix = fm.temporaryDirectory.appendingPathComponent(
      "mscreg-prefix-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? fm.removeItem(at: prefix) }
    let bin = prefix.appendingPathComponent("bin")
    let migrations = prefix.appendingPathComponent("share/mscreg/migrations")
    try fm.createDirectory(at: bin, withIntermediateDirectories: true)
    try fm.createDirectory(at: migrations, withIntermediateDirectories: true)
    let mscreg = bin.appendingPathComponent("mscreg")
    try fm.copyItem(at: CLIRunner.binary, to: mscreg)
    let files = try fm.contentsOfDirectory(atPath: TestDatabase.migrationsFolder.path)
      .filter { $0.hasSuffix(".sql") }.sorted()
    for file in files {
      try fm.copyItem(
        at: TestDatabase.migrationsFolder.appendingPathComponent(file),
        to: migrations.appendingPathComponent(file))
    }
    let completion = try Self.run(mscreg, ["--generate-completion-script", "bash"], in: prefix)
    #expect(completion.status == 0)
    #expect(completion.stdout.contains("mscreg"))

    let db = try TestDatabase.create(migrated: false)
    defer { db.drop() }
    let env = ["MSCREG_DATABASE": db.conninfo]
    // The folder it runs in has no sql/migrations: the installed ones are used.
    let migrate = try Self.run(mscreg, ["db", "migrate"], in: prefix, environment: env)
    #expect(migrate.status == 0, "\(migrate.stderr)")
    #expect(migrate.stdout.split(separator: "\n").count == files.count)
    #expect(try Self.run(mscreg, ["site", "list"], in: prefix, environment: env).status == 0)
    // Found on PATH (argv[0] is the bare name), from a folder that is not the prefix.
    let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let onPath = try Self.run(
      URL(fileURLWithPath: "/usr/bin/env"), ["mscreg", "site", "list"],
      in: URL(fileURLWithPath: "/"), environment: env.merging(["PATH": path]) { $1 })
    #expect(onPath.status == 0, "\(onPath.stderr)")
    // A binary installed with fewer migrations than the database holds refuses it.
    try fm.removeItem(at: migrations.appendingPathComponent(try #require(files.last)))
    let older = try Self.run(mscreg, ["site", "list"], in: prefix, environment: env)
    #expect(older.status == 69)
    #expect(older.stderr.hasPrefix("error: database: schema is newer than this mscreg"))
  }
}
