import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg assess list ID [--include-voided] [--format text|json]`.
struct AssessList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List a patient's assessments with their scores.",
    discussion: """
      Examples:
        mscreg assess list SLE-PAN-0001
        mscreg assess list ACLF-GZU-0001 --format json
        mscreg assess list SLE-PAN-0001 --include-voided
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Flag(help: "Also list voided assessments.") var includeVoided = false
  @OptionGroup var output: FormatOption

  func run() throws {
    let assessments = try AssessmentService(global.registry).list(
      studyID: id, includeVoided: includeVoided)
    if output.format == .json { return try Output.json(assessments) }
    let header =
      ["id", "visit", "date", "scores", "engine", "deviation"]
      + (includeVoided ? ["voided"] : [])
    Output.table(
      header,
      assessments.map { a in
        [
          String(a.id), a.visit, a.assessedOn.description, a.scores.summary,
          a.scores.engineVersion, a.outOfWindow ? "out of window: \(a.deviationReason ?? "")" : "",
        ] + (includeVoided ? [a.voided ? "voided: \(a.voidReason ?? "")" : ""] : [])
      })
  }
}
