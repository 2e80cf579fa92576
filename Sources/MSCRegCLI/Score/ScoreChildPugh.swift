import ArgumentParser
import RegistryDomain

/// `mscreg score child-pugh --bilirubin V --albumin V --inr V --ascites A --encephalopathy E`.
struct ScoreChildPugh: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "child-pugh",
    abstract: "Child-Pugh points (5–15) and class A, B or C.",
    discussion: """
      Needs --bilirubin, --albumin, --inr, --ascites and --encephalopathy. Points 1/2/3: bilirubin \
      < 2, 2-3, > 3 mg/dL; albumin > 3.5, 2.8-3.5, < 2.8 g/dL; INR < 1.7, 1.7-2.3, > 2.3. Band \
      edges give 2 points. Class A 5-6, B 7-9, C 10-15. Source: \(ChildPugh.source).

      Examples:
        mscreg score child-pugh --bilirubin 2.5 --albumin 3.0 --inr 1.5 \\
          --ascites mild --encephalopathy none
        mscreg score child-pugh --bilirubin 51.3umol/L --albumin 27g/L --inr 2.4 \\
          --ascites moderate_severe --encephalopathy grade1_2 --format json
      """
  )

  @OptionGroup(title: "Measures") var measures: ChildPughMeasures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.childPugh, measures.raw, format: output.format)
  }
}
