import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient show ID [--identify]`.
struct PatientShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show a patient's record (identity only with --identify).",
    discussion: """
      Examples:
        mscreg patient show SLE-PAN-0001
        mscreg patient show SLE-PAN-0001 --identify --format json

      The treatment course lists every infusion (voided ones marked), the lots and the cumulative \
      dose per kg of the live infusions.
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Flag(help: "Also show MRN, names and birth date (read from the identity schema).")
  var identify = false
  @OptionGroup var output: FormatOption

  func run() throws {
    let detail = try PatientService(global.registry).show(studyID: id, identify: identify)
    if output.format == .json { return try Output.json(detail) }
    let p = detail.patient
    print("\(p.studyID)  \(p.protocolCode) v\(p.protocolVersion)  site \(p.site)  arm \(p.arm)")
    print("status: \(p.status.rawValue)\(p.statusOn.map { " since \($0)" } ?? "")")
    print(
      "enrolled: \(p.enrolledOn)  sex: \(p.sex.rawValue)  birth year: \(p.birthYear)  age at enrollment: \(p.ageAtEnrollment)"
    )
    for c in detail.consents {
      print(
        "consent: version \(c.version) signed \(c.signedOn)\(c.withdrawnOn.map { ", withdrawn \($0)" } ?? "")"
      )
    }
    if let course = detail.treatment {
      let live = course.live
      print(
        "treatment: \(live.count) infusion\(live.count == 1 ? "" : "s"), cumulative dose "
          + "\(DosePerKg.text(course.cumulativeDosePerKg)), lots "
          + (course.lots.isEmpty ? "none" : course.lots.joined(separator: ", ")))
      for i in course.infusions {
        let voided = i.isLive ? "" : "  VOIDED: \(i.voidReason ?? "")"
        print(
          "  infusion \(i.id)  \(i.infusedOn)  lot \(i.lotNumber)  "
            + "\(DoseFormat.scientific(i.totalCells)) cells / \(LotText.number(i.weightKg)) kg = "
            + "\(DosePerKg.text(i.dosePerKg))  \(i.route.rawValue)\(voided)")
      }
    }
    if let i = detail.identity {
      print(
        "identity: MRN \(i.mrn)  \(i.familyName), \(i.givenName)  born \(i.birthDate)\(i.contact.map { "  contact: \($0)" } ?? "")"
      )
    }
  }
}
