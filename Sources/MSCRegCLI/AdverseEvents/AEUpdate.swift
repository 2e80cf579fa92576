import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg ae update ID --ae N [--grade G] [--resolved D] … --reason R`.
struct AEUpdate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "update",
    abstract: "Update an adverse event (resolution, grade …); old values stay in the audit trail.",
    discussion: """
      Raising the grade to 5 needs the death on record (`mscreg event add ID --kind death`) and \
      makes the patient `died`.

      Examples:
        mscreg ae update SLE-PAN-0001 --ae 3 --resolved 2026-05-20 \\
          --reason "resolution reported"
        mscreg ae update SLE-BOG-0001 --ae 5 --grade 3 --serious hospitalisation \\
          --reason "admitted on day 2"
        mscreg ae update SLE-PAN-0001 --ae 3 --infusion 1 \\
          --reason "linked to the first infusion"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Adverse event id (from `ae list`).") var ae: Int64
  @Option(help: "CTCAE v5 grade, 1–5.") var grade: String?
  @Option(help: "Resolution date, YYYY-MM-DD.") var resolved: String?
  @Option(help: "Seriousness criterion: \(Seriousness.acceptedCodes).") var serious: String?
  @Option(help: "Relatedness to MSC: \(Relatedness.acceptedCodes).") var relatedness: String?
  @Option(help: "Id of the infusion to link.") var infusion: Int64?
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String
  @OptionGroup var output: FormatOption

  func run() throws {
    let change = AdverseEventService.Update(
      grade: try grade.map(CTCAEGrade.parse),
      resolved: try resolved.map { try TextField.date($0, field: "--resolved") },
      serious: try serious.map { try Seriousness.parse($0, field: Seriousness.field) },
      relatedness: try relatedness.map { try Relatedness.parse($0, field: Relatedness.field) },
      infusionID: infusion)
    let recorded = try AdverseEventService(global.registry).update(
      studyID: id, eventID: ae, change, reason: reason)
    if output.format == .json { return try Output.json(recorded) }
    let e = recorded.event
    print("updated adverse event \(e.id) of \(e.studyID): \(e.term), \(e.grade)")
    for note in recorded.notes { print("  note: \(note)") }
  }
}
