import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg ae add ID --term T --grade G [--serious C] --relatedness R --onset D …`.
struct AEAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Record an adverse event.",
    discussion: """
      Grade is CTCAE v5 (1–5); seriousness (ICH E2A) is separate. Grade 5 needs the death on \
      record: give --death-date (the death event is recorded in the same transaction) or record it \
      first with `mscreg event add ID --kind death`; the patient becomes `died`, and the criterion \
      `death` is filled in. --infusion links a live infusion of the same patient given on or \
      before the onset; a related event (possible, probable, definite) without --infusion is \
      accepted with the link left empty, and a note says so when the patient has infusions. \
      Adverse events stay recordable after withdrawal and death (follow-up of earlier events).

      Examples:
        mscreg ae add SLE-PAN-0001 --term "infusion-related fever" --grade 1 \\
          --relatedness probable --onset 2026-05-02 --resolved 2026-05-03 \\
          --infusion 1
        mscreg ae add SLE-BOG-0001 --term pneumonia --grade 3 \\
          --serious hospitalisation --relatedness unlikely --onset 2026-07-11
        mscreg ae add ACLF-GZU-0002 --term "hepatic failure" --grade 5 \\
          --relatedness unrelated --onset 2026-06-10 --death-date 2026-06-14
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Adverse event term (CTCAE/MedDRA).") var term: String
  @Option(help: "CTCAE v5 grade, 1–5.") var grade: String
  @Option(help: "Seriousness criterion: \(Seriousness.acceptedCodes).") var serious: String?
  @Option(help: "Relatedness to MSC: \(Relatedness.acceptedCodes).") var relatedness: String
  @Option(help: "Onset date, YYYY-MM-DD.") var onset: String
  @Option(help: "Resolution date, YYYY-MM-DD.") var resolved: String?
  @Option(help: "Id of the infusion the event is linked to.") var infusion: Int64?
  @Option(help: "Date of death (grade 5): records the death event too.") var deathDate: String?
  @OptionGroup var output: FormatOption

  func run() throws {
    let report = AdverseEventService.Report(
      term: term, grade: try CTCAEGrade.parse(grade),
      serious: try serious.map { try Seriousness.parse($0, field: Seriousness.field) },
      relatedness: try Relatedness.parse(relatedness, field: Relatedness.field),
      onset: try TextField.date(onset, field: "--onset"),
      resolved: try resolved.map { try TextField.date($0, field: "--resolved") },
      infusionID: infusion,
      deathDate: try deathDate.map { try TextField.date($0, field: "--death-date") })
    let recorded = try AdverseEventService(global.registry).add(studyID: id, report)
    if output.format == .json { return try Output.json(recorded) }
    let e = recorded.event
    print("added adverse event \(e.id) of \(e.studyID): \(e.term), \(e.grade)")
    for note in recorded.notes { print("  note: \(note)") }
  }
}
