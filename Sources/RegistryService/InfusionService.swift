import RegistryDomain
import RegistryStore

/// Recording and voiding MSC infusions under the rules of SPEC §4.
public struct InfusionService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Records an infusion after checking every rule of `InfusionRules` in one transaction.
  ///
  /// The patient's row is locked first (`FOR UPDATE`), so concurrent infusions of one patient
  /// are checked one after the other and `max_infusions` and the spacing hold; the lot is
  /// locked `FOR SHARE`, so it cannot be rejected half-way. The rules are those of the
  /// protocol version the patient was enrolled under. The first infusion sets the status
  /// `treated`. Unknown study ID or lot: exit 66. A broken rule: exit 65 naming the first
  /// rule's field, with every broken rule and its values in the message; nothing is written.
  public func record(_ entry: InfusionEntry, today: CalendarDate = .today()) throws -> Infusion {
    let store = try database.open()
    return try store.transaction(reason: "infusion of lot \(entry.lotNumber)") {
      let patients = PatientRepository(store)
      guard let patient = try patients.find(studyID: entry.studyID, forUpdate: true),
        let protocolID = try patients.protocolID(studyID: entry.studyID)
      else {
        throw RegistryError.notFound("study_id", "no patient \(entry.studyID)")
      }
      guard let lot = try LotRepository(store).find(lotNumber: entry.lotNumber, lock: .share)
      else {
        throw RegistryError.notFound("lot", "no lot \(entry.lotNumber)")
      }
      guard let record = try ProtocolRepository(store).find(id: protocolID) else {
        throw RegistryError(
          .internal, field: "protocol_definition", "the protocol of \(entry.studyID) is missing")
      }
      let infusions = InfusionRepository(store)
      let others = try infusions.all(studyID: entry.studyID).filter(\.isLive).map(\.infusedOn)
      let violations = InfusionRules.check(
        patient: patient, arm: record.trial.arm(code: patient.arm),
        plan: record.trial.treatment, lot: lot, entry: entry, otherInfusions: others,
        today: today)
      if let first = violations.first {
        throw RegistryError.refused(
          first.field,
          violations.map { $0.field == first.field ? $0.message : $0.description }
            .joined(separator: "; "))
      }
      let infusion = try infusions.insert(entry)
      if patient.status == .enrolled {
        try patients.updateStatus(studyID: patient.studyID, to: .treated, on: entry.date)
      }
      return infusion
    }
  }

  /// Voids an infusion entered in error, with a mandatory reason; it is kept, marked voided,
  /// and no longer counts for any rule or report.
  ///
  /// Unknown study ID or an infusion id not of that patient: exit 66; already voided: exit 65.
  ///
  /// What the infusion derived follows it: a `treated` patient left without a live infusion
  /// goes back to `enrolled`; one with live infusions left keeps `treated` since the earliest
  /// of them (the first-infusion date). Other statuses are left as they are. Reports and the
  /// export count only live infusions.
  public func void(studyID: String, infusionID: Int64, reason: String) throws -> Infusion {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patients = PatientRepository(store)
      guard let patient = try patients.find(studyID: studyID, forUpdate: true) else {
        throw RegistryError.notFound("study_id", "no patient \(studyID)")
      }
      let infusions = InfusionRepository(store)
      guard let infusion = try infusions.find(id: infusionID), infusion.studyID == studyID else {
        throw RegistryError.notFound("infusion", "\(studyID) has no infusion \(infusionID)")
      }
      guard infusion.isLive else {
        throw RegistryError.conflict(
          "infusion", "infusion \(infusionID) of \(studyID) is already voided")
      }
      try infusions.void(id: infusionID, reason: reason)
      if patient.status == .treated {
        let first = try infusions.all(studyID: studyID).filter(\.isLive).map(\.infusedOn).min()
        if let first {
          if first != patient.statusOn {
            try patients.updateStatus(studyID: studyID, to: .treated, on: first)
          }
        } else {
          try patients.updateStatus(studyID: studyID, to: .enrolled, on: nil)
        }
      }
      return try infusions.find(id: infusionID)!
    }
  }

  /// Every infusion of a patient with its lot (voided ones marked): the look-back from a
  /// patient to every lot. Unknown study ID: exit 66.
  public func lots(studyID: String) throws -> [PatientLotUse] {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      guard try PatientRepository(store).find(studyID: studyID) != nil else {
        throw RegistryError.notFound("study_id", "no patient \(studyID)")
      }
      return try InfusionRepository(store).lotUses(studyID: studyID)
    }
  }
}
