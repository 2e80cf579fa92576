import ArgumentParser

/// `mscreg patient`: enrollment and the patient record.
struct PatientCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "patient",
    abstract: "Enroll, show, list, withdraw and correct patients.",
    discussion: """
      Examples:
        mscreg patient enroll --protocol SLE-UCMSC --site PAN --mrn 123456 \\
          --given Ana --family Pérez --birth-date 1990-04-02 --sex F \\
          --consent-version 2.1 --consent-date 2026-11-02 \\
          --sledai-descriptors arthritis,rash,low_complement,proteinuria \\
          --eular-acr-items joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4 \\
          --ana-titer 320 --pga 1.5
        mscreg patient import screening-list.csv --protocol SLE-UCMSC --site PAN
        mscreg patient list --protocol SLE-UCMSC --site PAN
        mscreg patient show SLE-PAN-0001
        mscreg patient withdraw SLE-PAN-0001 --reason "moved abroad"
        mscreg patient lots SLE-PAN-0001
      """,
    subcommands: [
      PatientEnroll.self, PatientImport.self, PatientShow.self, PatientList.self,
      PatientWithdraw.self, PatientAmend.self, PatientLots.self,
    ]
  )
}
