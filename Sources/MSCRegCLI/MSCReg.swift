import ArgumentParser

/// `mscreg`: the MSC Registry's command-line tool.
struct MSCReg: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mscreg",
    abstract: "Clinical-trial registry for mesenchymal stem cell (MSC) therapy trials.",
    discussion: """
      The database is PostgreSQL: --database CONNINFO, else $MSCREG_DATABASE, else libpq's \
      defaults (PGHOST, PGDATABASE, PGSERVICE, ~/.pgpass …). The database login role is the user \
      the audit trail records.

      Exit status: 0 success, 64 usage error, 65 refused input or rule (nothing changed), 66 \
      unknown study ID, lot, protocol, site or file, 69 database unreachable, 70 internal error, \
      77 permission denied.

      Examples:
        mscreg db migrate
        mscreg site add PAN --name "Hospital Santo Tomás" --country PA
        mscreg site list --format json
        mscreg lot release UC-2611-01
        mscreg infuse SLE-PAN-0001 --lot UC-2611-01 --date 2026-11-20 \\
          --weight-kg 62 --cells 6.2e7
        mscreg audit --since 2026-11-01
        mscreg audit verify
        mscreg export --protocol SLE-UCMSC --deidentified --format csv \\
          --output export/
        mscreg score meld --bilirubin 4.2 --creatinine 1.9 --inr 1.2
        mscreg assess SLE-PAN-0001 --visit week4 --date 2026-06-01 --pga 1.0
        mscreg visits due --site PAN
        mscreg demo seed --protocol ACLF-BMMSC --patients 300
      """,
    version: "0.1.0",
    subcommands: [
      DBCommand.self, SiteCommand.self, ProtocolCommand.self, PatientCommand.self,
      LotCommand.self, InfuseCommand.self, AssessCommand.self, AECommand.self,
      EventCommand.self, VisitsCommand.self, ReportCommand.self, ExportCommand.self,
      UserCommand.self, AuditCommand.self, ScoreCommand.self, DemoCommand.self,
      ServeCommand.self,
    ]
  )

  /// `--database` before the subcommand (`mscreg --database X site list`). The parser reads
  /// the root's options from the whole command line, so this group also takes a `--database`
  /// given after the subcommand, and each command's own `@OptionGroup var global` receives
  /// this same value (swift-argument-parser passes an option group already decoded by a
  /// parent command down to its children).
  @OptionGroup(visibility: .private) var global: GlobalOptions
}
