import ArgumentParser

/// `mscreg assess`: assessments at protocol visits (recording is the default subcommand).
struct AssessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "assess",
    abstract: "Record, amend, void and list assessments at protocol visits.",
    discussion: """
      `mscreg assess ID --visit V --date D [measures…]` records a visit (see `mscreg assess record \
      --help`); the scores are derived by the registry and printed back.

      Examples:
        mscreg assess SLE-PAN-0001 --visit week4 --date 2026-06-01 \\
          --sledai-descriptors arthritis,low_complement --pga 1.0 --upcr 0.8 \\
          --c3 72
        mscreg assess ACLF-GZU-0001 --visit week1 --date 2026-05-20 \\
          --bilirubin 85umol/L --creatinine 1.2 --inr 1.6 --sodium 133 \\
          --albumin 3.0 --ascites mild --encephalopathy none
        mscreg assess amend ACLF-GZU-0001 --visit week1 --inr 1.5 \\
          --reason "lab re-run"
        mscreg assess void SLE-PAN-0001 --visit week12 \\
          --reason "entered for the wrong patient"
        mscreg assess list SLE-PAN-0001 --format json
      """,
    subcommands: [AssessRecord.self, AssessAmend.self, AssessVoid.self, AssessList.self],
    defaultSubcommand: AssessRecord.self
  )
}
