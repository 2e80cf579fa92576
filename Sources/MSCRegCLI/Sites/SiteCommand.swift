import ArgumentParser

/// `mscreg site`: research sites.
struct SiteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "site",
    abstract: "Add and list research sites.",
    discussion: """
      Examples:
        mscreg site add PAN --name "Hospital Santo Tomás" --country PA
        mscreg site list
      """,
    subcommands: [SiteAdd.self, SiteList.self]
  )
}
