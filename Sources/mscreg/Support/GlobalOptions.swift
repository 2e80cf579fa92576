import ArgumentParser
import Foundation
import RegistryService

/// Options every command that reaches the database takes.
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "libpq conninfo or URI (default: $MSCREG_DATABASE, else libpq's PG* defaults).",
      valueName: "CONNINFO"))
  var database: String?

  /// The database named by `--database`, else `MSCREG_DATABASE`, else libpq's defaults.
  ///
  /// Its sessions require the schema of the migrations `db migrate` applies (exit 69,
  /// `schema not migrated; run mscreg db migrate`, otherwise); `db migrate` and `db status`
  /// open theirs without that check.
  var registry: RegistryDatabase {
    RegistryDatabase(
      conninfo: database ?? ProcessInfo.processInfo.environment["MSCREG_DATABASE"] ?? "",
      requiredSchema: SchemaService.defaultMigrationsFolder())
  }
}

/// How a read command prints.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, csv, html
}

/// `--format text|json` for read commands.
struct FormatOption: ParsableArguments {
  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  func validate() throws {
    guard format == .text || format == .json else {
      throw ValidationError("--format: this command prints text or json")
    }
  }
}
