import ArgumentParser

/// `mscreg ae`: adverse events.
struct AECommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ae",
    abstract: "Add, list, update and void adverse events (CTCAE v5 grades, ICH E2A seriousness).",
    discussion: """
      Examples:
        mscreg ae add SLE-PAN-0001 --term "infusion-related fever" --grade 1 \\
          --relatedness probable --onset 2026-05-02 --resolved 2026-05-03 \\
          --infusion 1
        mscreg ae add ACLF-GZU-0002 --term "hepatic failure" --grade 5 \\
          --relatedness unrelated --onset 2026-06-10 --death-date 2026-06-14
        mscreg ae update SLE-PAN-0001 --ae 3 --resolved 2026-05-20 \\
          --reason "resolution reported"
        mscreg ae list SLE-PAN-0001
      """,
    subcommands: [AEAdd.self, AEList.self, AEUpdate.self, AEVoid.self]
  )
}
