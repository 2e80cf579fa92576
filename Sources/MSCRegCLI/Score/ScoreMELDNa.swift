import ArgumentParser
import RegistryDomain

/// `mscreg score meld-na --bilirubin V --creatinine V --inr V --sodium V [--dialysis]`.
struct ScoreMELDNa: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "meld-na",
    abstract: "MELD-Na (OPTN, January 2016) from bilirubin, creatinine, INR and sodium.",
    discussion: """
      Needs the MELD inputs and --sodium. When MELD > 11 the sodium term is added to the rounded \
      MELD, with sodium bounded to 125-137 mmol/L; rounded, at most 40. (Not the 2008 form with \
      140.) Source: \(MELDNa.source).

      Examples:
        mscreg score meld-na --bilirubin 4.2 --creatinine 1.9 --inr 1.2 \\
          --sodium 125
        mscreg score meld-na --bilirubin 2.0 --creatinine 1.2 --inr 1.5 \\
          --sodium 135 --format json
      """
  )

  @OptionGroup(title: "Measures") var measures: MELDNaMeasures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.meldNa, measures.raw, format: output.format)
  }
}
