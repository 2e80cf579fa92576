import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg assess amend ID --visit V [measures…] [--date D] --reason R`.
struct AssessAmend: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "amend",
    abstract:
      "Correct an assessment; the scores are recomputed, old values stay in the audit trail.",
    discussion: """
      Each measure given replaces the stored value; the others keep theirs. --no-dialysis clears \
      the dialysis flag. A corrected --date is checked against the visit's window again (outside \
      it needs --out-of-window; the reason is then also the deviation's reason). The audit log \
      keeps the old and the new row with the reason.

      Examples:
        mscreg assess amend ACLF-GZU-0001 --visit week1 --bilirubin 90umol/L \\
          --reason "lab corrected"
        mscreg assess amend SLE-PAN-0001 --visit week4 \\
          --sledai-descriptors arthritis \\
          --reason "low complement was from the previous visit"
        mscreg assess amend SLE-PAN-0001 --visit week4 --date 2026-06-02 \\
          --reason "date typo"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Visit code.") var visit: String
  @Option(help: "Corrected date, YYYY-MM-DD.") var date: String?
  @Flag(help: "The corrected date is outside the window (a protocol deviation).")
  var outOfWindow = false
  @Flag(help: "Clear the dialysis flag.") var noDialysis = false
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String
  @OptionGroup(title: "Measures") var measures: MeasureOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    if noDialysis && measures.dialysis {
      throw ValidationError("--dialysis and --no-dialysis exclude each other")
    }
  }

  func run() throws {
    var changes = measures.raw
    changes.dialysis = false
    let dialysis: Bool? = measures.dialysis ? true : (noDialysis ? false : nil)
    let result = try AssessmentService(global.registry).amend(
      studyID: id, visit: visit, changes: changes, dialysis: dialysis,
      date: try date.map { try TextField.date($0, field: "--date") }, outOfWindow: outOfWindow,
      reason: reason)
    if output.format == .json { return try Output.json(result) }
    let a = result.after
    print("amended \(a.visit) of \(a.studyID) (\(a.assessedOn))")
    print("  before: \(result.before.scores.summary)")
    AssessmentText.print(a)
  }
}
