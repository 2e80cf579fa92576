import ArgumentParser
import Foundation
import RegistryService

/// `mscreg db migrate`.
struct DBMigrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Apply pending migrations in order, each in its own transaction.",
    discussion: """
      An applied file that was edited afterwards is refused (exit 65). Concurrent runs wait for \
      each other; no file is applied twice.

      Examples:
        mscreg db migrate
        mscreg db migrate --database postgresql://registry@db.example.org/mscreg
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var location: MigrationsOption

  func run() throws {
    let folder =
      location.migrations.map { CommandContext.current.url(forPath: $0, isDirectory: true) }
      ?? CommandContext.current.defaultMigrationsFolder
    let service = SchemaService(global.registry, migrations: folder)
    let applied = try service.migrate { Output.progress("applying \($0)") }
    if applied.isEmpty {
      print("database is up to date")
    } else {
      for name in applied { print("applied \(name)") }
    }
  }
}
