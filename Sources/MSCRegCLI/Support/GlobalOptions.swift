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

  /// The database named by `--database`, else `MSCREG_DATABASE`, else libpq's defaults (all
  /// read from the run's `CommandContext`).
  ///
  /// Its sessions require the schema of the migrations `db migrate` applies (exit 69,
  /// `schema not migrated; run mscreg db migrate`, otherwise); `db migrate` and `db status`
  /// open theirs without that check.
  var registry: RegistryDatabase {
    let context = CommandContext.current
    return RegistryDatabase(
      conninfo: context.conninfo(database ?? context.environment["MSCREG_DATABASE"] ?? ""),
      requiredSchema: context.defaultMigrationsFolder, environment: context.environment)
  }
}

/// `--format` of a command that prints text or JSON. Each command's `--format` has a type
/// that lists exactly the formats it prints, so its help offers no other.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// `--format` of a listing that also prints CSV.
enum TableFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, csv
}

/// `--format` of `report cohort`.
enum ReportOutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, csv, html
}

/// `--format text|json` for commands that print text or JSON.
struct FormatOption: ParsableArguments {
  @Option(help: "Output format.")
  var format: TextOrJSON = .text
}
