import ArgumentParser

/// `mscreg infuse`: record an infusion (the default) or void one.
struct InfuseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "infuse",
    abstract: "Record an MSC infusion under the protocol's rules, or void one entered in error.",
    discussion: """
      `mscreg infuse ID …` records an infusion (the `record` subcommand is implied). Every rule is \
      checked: an enrolled, living, non-withdrawn patient of an arm that receives MSC; a released \
      lot, not expired on the date (the expiry date itself is allowed), of a source and product \
      the protocol allows and within its release criteria; dose per kg (cells ÷ weight) within the \
      protocol's range, ends included; at most max_infusions, at least min_days_between_infusions \
      apart; no date before enrollment or in the future. The first infusion sets the patient's \
      status to treated.

      Examples:
        mscreg infuse SLE-PAN-0001 --lot UC-2611-01 --date 2026-11-20 \\
          --weight-kg 62 --cells 6.2e7
        mscreg infuse ACLF-GZU-0001 --lot BM-2611-03 --date 2026-11-20 \\
          --weight-kg 70 --cells 5.6e7 --route intra_arterial_hepatic
        mscreg infuse void SLE-PAN-0001 --infusion 3 \\
          --reason "entered for the wrong patient"
      """,
    subcommands: [InfuseRecord.self, InfuseVoid.self],
    defaultSubcommand: InfuseRecord.self
  )
}
