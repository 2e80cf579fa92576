import ArgumentParser
import Foundation
import RegistryService

/// `mscreg db status`.
struct DBStatus: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "List applied and pending migrations.",
    discussion: """
      Examples:
        mscreg db status
        mscreg db status --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var location: MigrationsOption
  @OptionGroup var output: FormatOption

  func run() throws {
    let folder =
      location.migrations.map { CommandContext.current.url(forPath: $0, isDirectory: true) }
      ?? CommandContext.current.defaultMigrationsFolder
    let states = try SchemaService(global.registry, migrations: folder).status()
    if output.format == .json { return try Output.json(states) }
    Output.table(
      ["version", "name", "state", "applied_at", "applied_by"],
      states.map {
        [
          String(format: "%04d", $0.version), $0.name, $0.state,
          $0.appliedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "", $0.appliedBy ?? "",
        ]
      })
  }
}
