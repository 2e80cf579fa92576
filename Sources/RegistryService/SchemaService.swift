import Foundation
import RegistryDomain
import RegistryStore

/// Use cases for the database schema: migrate and status.
public struct SchemaService: Sendable {
  let database: RegistryDatabase
  /// The folder of `NNNN_name.sql` files.
  public let migrations: URL

  /// Creates the service over a database and a migrations folder.
  public init(_ database: RegistryDatabase, migrations: URL) {
    self.database = database
    self.migrations = migrations
  }

  /// Applies pending migrations in order; returns the names applied (empty when up to date).
  public func migrate(progress: @escaping (String) -> Void = { _ in }) throws -> [String] {
    let store = try database.openForMigration()
    return try Migrator(directory: migrations).migrate(store) { progress($0.fileName) }
      .map(\.fileName)
  }

  /// Every migration as applied, pending, changed or missing.
  public func status() throws -> [MigrationState] {
    let store = try database.openForMigration()
    return try Migrator(directory: migrations).status(store)
  }

  /// Finds `sql/migrations`: `MSCREG_MIGRATIONS`, else `./sql/migrations`, else the nearest
  /// `sql/migrations` above the running executable (a checkout's `.build/…/mscreg`), or
  /// `share/mscreg/migrations` beside its `bin` folder (`make install`: `PREFIX/bin/mscreg`
  /// and `PREFIX/share/mscreg/migrations`).
  public static func defaultMigrationsFolder(executable: String = runningExecutable()) -> URL {
    defaultMigrationsFolder(
      environment: ProcessInfo.processInfo.environment,
      currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
      executable: executable)
  }

  /// Finds `sql/migrations` as `defaultMigrationsFolder(executable:)` does, with an explicit
  /// environment and working directory (an in-process run of the command line).
  public static func defaultMigrationsFolder(
    environment: [String: String], currentDirectory: URL, executable: String = runningExecutable()
  ) -> URL {
    let fm = FileManager.default
    if let env = environment["MSCREG_MIGRATIONS"], !env.isEmpty {
      return URL(fileURLWithPath: env, relativeTo: currentDirectory).standardizedFileURL
    }
    let cwd = currentDirectory.appendingPathComponent("sql/migrations")
    if fm.fileExists(atPath: cwd.path) { return cwd }
    var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    while dir.path != "/" {
      for relative in ["sql/migrations", "share/mscreg/migrations"] {
        let candidate = dir.appendingPathComponent(relative)
        if fm.fileExists(atPath: candidate.path) { return candidate }
      }
      dir = dir.deletingLastPathComponent()
    }
    return cwd
  }

  /// The running executable's path: `/proc/self/exe` where there is one (a binary found on
  /// `PATH` has only its bare name in `argv[0]`), else `argv[0]`.
  public static func runningExecutable() -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    return CommandLine.arguments[0]
  }
}
