import ArgumentParser
import RegistryDomain

/// `mscreg score meld --bilirubin V --creatinine V --inr V [--dialysis]`.
struct ScoreMELD: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "meld",
    abstract: "MELD (OPTN, pre-2016) from bilirubin, creatinine and INR.",
    discussion: """
      Needs --bilirubin, --creatinine (not with --dialysis) and --inr. Values below 1.0 count as \
      1.0; creatinine above 4.0, or dialysis, counts as 4.0; 10 x MELD(i) rounded, at most 40. \
      Source: \(MELD.source).

      Examples:
        mscreg score meld --bilirubin 4.2 --creatinine 1.9 --inr 1.2
        mscreg score meld --bilirubin 71.82umol/L --creatinine 167.96umol/L \\
          --inr 1.2 --format json
        mscreg score meld --bilirubin 4.2 --inr 1.2 --dialysis
      """
  )

  @OptionGroup(title: "Measures") var measures: MELDMeasures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.meld, measures.raw, format: output.format)
  }
}
