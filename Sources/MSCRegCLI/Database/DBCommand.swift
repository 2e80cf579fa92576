import ArgumentParser

/// `mscreg db`: schema migrations.
struct DBCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "db",
    abstract: "Apply and inspect schema migrations.",
    discussion: """
      Examples:
        mscreg db migrate
        mscreg db status --format json
      """,
    subcommands: [DBMigrate.self, DBStatus.self]
  )
}

/// `--migrations DIR`, shared by `db migrate` and `db status`.
struct MigrationsOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Folder of NNNN_name.sql files (default: $MSCREG_MIGRATIONS, ./sql/migrations, or the checkout's).",
      valueName: "DIR"))
  var migrations: String?
}
