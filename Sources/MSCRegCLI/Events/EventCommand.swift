import ArgumentParser

/// `mscreg event`: clinical (survival) events.
struct EventCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "event",
    abstract: "Record, list and void death, liver transplant and loss to follow-up.",
    discussion: """
      Examples:
        mscreg event add ACLF-GZU-0003 --kind liver_transplant --date 2026-07-02
        mscreg event add SLE-BOG-0004 --kind lost_to_follow_up --date 2026-09-15
        mscreg event list ACLF-GZU-0003
        mscreg event void ACLF-GZU-0003 --event 2 \\
          --reason "entered for the wrong patient"
      """,
    subcommands: [EventAdd.self, EventList.self, EventVoid.self]
  )
}
