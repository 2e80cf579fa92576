import ArgumentParser

/// `mscreg visits`: the visit calendar.
struct VisitsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "visits",
    abstract: "The visit calendar of active patients.",
    discussion: """
      Examples:
        mscreg visits due --site PAN
        mscreg visits due --protocol ACLF-BMMSC --as-of 2026-07-01 --format csv
      """,
    subcommands: [VisitsDue.self]
  )
}
