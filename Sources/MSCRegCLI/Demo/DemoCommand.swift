import ArgumentParser

/// `mscreg demo`: demonstration data.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Fill a registry with synthetic demonstration data.",
    discussion: """
      Examples:
        mscreg demo seed --protocol ACLF-BMMSC --patients 300
        mscreg demo seed --protocol SLE-UCMSC --patients 100000 --seed 7 \\
          --sites PAN,BOG
        mscreg demo load --writers 8 --seconds 30 --lot UC-BENCH-01
      """,
    subcommands: [DemoSeed.self, DemoLoad.self]
  )
}
