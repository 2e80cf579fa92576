import ArgumentParser
import RegistryDomain

/// `mscreg score meld3 --sex F|M [--age N] --bilirubin V --creatinine V --inr V --sodium V
/// --albumin V [--dialysis]`.
struct ScoreMELD3: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "meld3",
    abstract: "MELD 3.0 from sex, bilirubin, creatinine, INR, sodium and albumin.",
    discussion: """
      Needs --sex and the labs; --age is optional (MELD 3.0 is used from age 12; PELD applies \
      below; ages 12-17 get the 1.33 term, male or female, per OPTN Policy 9.1.D). Bilirubin, \
      INR and creatinine floored at 1.0; creatinine capped at 3.0 (dialysis sets 3.0); sodium \
      bounded 125-137; albumin bounded 1.5-3.5 g/dL; rounded and bounded to 6-40. \
      Source: \(MELD3.source).

      Examples:
        mscreg score meld3 --sex F --age 54 --bilirubin 4.2 --creatinine 1.9 \\
          --inr 1.2 --sodium 125 --albumin 2.8
        mscreg score meld3 --sex M --bilirubin 85umol/L --creatinine 1.2 --inr 1.5 \\
          --sodium 135 --albumin 31g/L --format json
      """
  )

  @Option(help: ArgumentHelp("Sex: F or M (female, or age 12-17, adds 1.33).", valueName: "F|M"))
  var sex: String?
  @Option(help: ArgumentHelp("Age in years (12 and over; default: adult).", valueName: "N"))
  var age: String?
  @OptionGroup(title: "Measures") var measures: MELD3Measures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.meld3, measures.raw, sex: sex, age: age, format: output.format)
  }
}
