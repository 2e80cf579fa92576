import ArgumentParser
import RegistryDomain

/// `mscreg score eular-acr --eular-acr-items a,b,… --ana-titer N`.
struct ScoreEULARACR: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eular-acr",
    abstract: "2019 EULAR/ACR classification of SLE: total and whether it classifies.",
    discussion: """
      Needs --eular-acr-items; --ana-titer gives the entry criterion (ANA >= 1:80; without it the \
      patient is not classified). Only the highest-weighted item of each domain counts; immunology \
      is three domains (antiphospholipid antibodies, complement proteins, SLE-specific \
      antibodies). Classified at a total >= 10 with at least one clinical item. Source: \
      \(EULARACR2019.source).

      Examples:
        mscreg score eular-acr --ana-titer 160 \\
          --eular-acr-items joint_involvement,anti_dsdna_or_anti_sm
        mscreg score eular-acr --ana-titer 1:320 \\
          --eular-acr-items fever,low_c3_and_c4 --format json
      """
  )

  @OptionGroup(title: "Measures") var measures: EULARACRMeasures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.eularAcr, measures.raw, format: output.format)
  }
}
