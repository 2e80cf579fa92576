import ArgumentParser

/// `mscreg protocol`: trial protocols.
struct ProtocolCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "protocol",
    abstract: "Load, list and show trial protocols (YAML files, immutable once loaded).",
    discussion: """
      Examples:
        mscreg protocol load config/protocols/sle-ucmsc.yaml
        mscreg protocol list
        mscreg protocol show SLE-UCMSC --version 1
      """,
    subcommands: [ProtocolLoad.self, ProtocolList.self, ProtocolShow.self]
  )
}
