import ArgumentParser
import RegistryDomain

/// `mscreg score sledai2k --sledai-descriptors a,b,…`.
struct ScoreSLEDAI2K: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sledai2k",
    abstract: "SLEDAI-2K disease activity (0–105) from the descriptors present.",
    discussion: """
      Needs --sledai-descriptors: the descriptors present at the visit or in the 10 days before \
      (an empty list scores 0). Weights 8, 4, 2 and 1 as published. Source: \(SLEDAI2K.source).

      Examples:
        mscreg score sledai2k --sledai-descriptors arthritis,rash,low_complement
        mscreg score sledai2k --sledai-descriptors seizure,proteinuria \\
          --format json
      """
  )

  @OptionGroup(title: "Measures") var measures: SLEDAI2KMeasures
  @OptionGroup var output: FormatOption

  func run() throws {
    try ScoreOutput.print(.sledai2k, measures.raw, format: output.format)
  }
}
