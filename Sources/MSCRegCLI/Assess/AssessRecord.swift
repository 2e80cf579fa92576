import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg assess [record] ID --visit V --date D [measures…] [--out-of-window --reason R]`.
struct AssessRecord: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Record the assessment of a protocol visit (the default of `mscreg assess`).",
    discussion: """
      The visit code comes from the patient's protocol. Day 0 is the enrollment date; the date \
      must be inside the visit's window [day + before, day + after], both ends included. A date \
      outside it is refused unless --out-of-window --reason R records a protocol deviation. One \
      live assessment per patient and visit: correct one with `assess amend`, or void it. Not \
      after withdrawal, death or loss to follow-up; not in the future. Lab values take a unit \
      suffix (85umol/L) and are stored in conventional units; SLEDAI-2K, MELD, MELD-Na, MELD 3.0 \
      and Child-Pugh are computed and stored with the engine version.

      Examples:
        mscreg assess SLE-PAN-0001 --visit week4 --date 2026-06-01 \\
          --sledai-descriptors arthritis,low_complement --pga 1.0 --upcr 0.8
        mscreg assess record ACLF-GZU-0001 --visit week4 --date 2026-06-20 \\
          --bilirubin 3.1 --creatinine 1.1 --inr 1.4 --sodium 135 --albumin 3.2 \\
          --ascites none --encephalopathy none
        mscreg assess SLE-BOG-0002 --visit week12 --date 2026-08-30 --pga 0.5 \\
          --sledai-descriptors "" --out-of-window \\
          --reason "patient hospitalised elsewhere"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Visit code of the patient's protocol (week4, week12 …).") var visit: String
  @Option(help: "Date of the assessment, YYYY-MM-DD.") var date: String
  @Flag(help: "The date is outside the visit's window: record a protocol deviation.")
  var outOfWindow = false
  @Option(help: "Why the visit is out of its window (with --out-of-window).") var reason: String?
  @OptionGroup(title: "Measures") var measures: MeasureOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let assessment = try AssessmentService(global.registry).record(
      studyID: id, visit: visit, on: try TextField.date(date, field: "--date"),
      measures: try MeasureSet(parsing: measures.raw), outOfWindow: outOfWindow,
      reason: reason)
    if output.format == .json { return try Output.json(assessment) }
    print("recorded \(assessment.visit) of \(assessment.studyID) on \(assessment.assessedOn)")
    AssessmentText.print(assessment)
  }
}

/// Text lines shared by the assessment commands.
enum AssessmentText {
  static func print(_ a: Assessment) {
    MSCRegCLI.print("  measures: \(a.measures.summary)")
    MSCRegCLI.print("  scores: \(a.scores.summary) (engine \(a.scores.engineVersion))")
    if a.outOfWindow {
      MSCRegCLI.print("  protocol deviation: out of window (\(a.deviationReason ?? ""))")
    }
  }
}
