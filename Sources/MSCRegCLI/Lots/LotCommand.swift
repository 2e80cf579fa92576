import ArgumentParser

/// `mscreg lot`: MSC lots, their release and their recipients.
struct LotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lot",
    abstract: "Register, release, reject and trace MSC lots.",
    discussion: """
      A new lot is in quarantine. `lot release` checks the ISCT minimal markers (CD73, CD90, CD105 \
      ≥ 95%; CD45, CD34, CD14, CD19, HLA-DR ≤ 2%), sterility and mycoplasma negative, endotoxin ≤ \
      0.5 EU/mL and viability ≥ 70%, and names every failing item. `lot reject` also recalls a \
      released lot. `lot show` and `lot recipients` list every patient who received the lot.

      Examples:
        mscreg lot add UC-2611-01 --source umbilical_cord --donor allogeneic \\
          --product cells --passage 3 --viability 94 --cd73 99.1 --cd90 98.7 \\
          --cd105 97.9 --cd45 0.4 --cd34 0.3 --cd14 0.5 --cd19 0.2 --hla-dr 0.6 \\
          --sterility negative --mycoplasma negative --endotoxin 0.12 \\
          --manufactured 2026-11-01 --expires 2027-05-01
        mscreg lot release UC-2611-01
        mscreg lot reject BM-2611-07 --reason "mycoplasma positive on retest"
        mscreg lot list --status released
        mscreg lot show UC-2611-01
        mscreg lot recipients UC-2611-01 --format csv > recall.csv
      """,
    subcommands: [
      LotAdd.self, LotRelease.self, LotReject.self, LotList.self, LotShow.self,
      LotRecipients.self,
    ]
  )
}
