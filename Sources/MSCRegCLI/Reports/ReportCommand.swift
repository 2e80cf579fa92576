import ArgumentParser

/// `mscreg report`: reports for investigators and safety boards.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Cohort reports: response, survival and safety.",
    discussion: """
      Examples:
        mscreg report cohort --protocol ACLF-BMMSC
        mscreg report cohort --protocol SLE-UCMSC --by site --format json
        mscreg report cohort --protocol ACLF-BMMSC --format html \\
          --output report.html
      """,
    subcommands: [ReportCohort.self]
  )
}
