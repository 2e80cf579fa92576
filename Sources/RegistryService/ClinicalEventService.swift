import RegistryDomain
import RegistryStore

/// Clinical (survival) events: death, liver transplant, loss to follow-up.
public struct ClinicalEventService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// An event with the patient's record after it.
  public struct Recorded: Sendable, Encodable {
    /// The event.
    public let event: ClinicalEvent
    /// The patient afterwards (status `died` after a death, `lost_to_follow_up` after a loss).
    public let patient: Patient
  }

  /// Records an event; death makes the patient `died`, loss to follow-up
  /// `lost_to_follow_up`; a liver transplant is a survival event and keeps the status.
  ///
  /// Survival events stay recordable after withdrawal or loss to follow-up (SPEC §4). Refused
  /// (exit 65): a date in the future or before enrollment; a death or loss dated before the
  /// patient's last assessment; any event of a patient who died (only adverse-event follow-up
  /// is accepted then); loss to follow-up of a withdrawn patient; a kind already recorded.
  public func add(
    studyID: String, kind: ClinicalEventKind, on date: CalendarDate,
    today: CalendarDate = .today()
  ) throws -> Recorded {
    guard date <= today else {
      throw RegistryError.refused("date", "\(date) is in the future (today is \(today))")
    }
    let store = try database.open()
    return try store.transaction(reason: "clinical event \(kind.rawValue) on \(date)") {
      let patient = try AssessmentService.patient(studyID, store: store, forUpdate: true)
      let event = try Self.record(kind, on: date, of: patient, store: store)
      return Recorded(event: event, patient: try AssessmentService.patient(studyID, store: store))
    }
  }

  /// Voids an event entered in error, with a reason. Voiding a death or a loss to follow-up
  /// gives the patient back the status they had before it (kept on the event row). A death
  /// that a live grade 5 adverse event needs cannot be voided (void or regrade that first).
  public func void(studyID: String, eventID: Int64, reason: String) throws -> Recorded {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patient = try AssessmentService.patient(studyID, store: store, forUpdate: true)
      let events = ClinicalEventRepository(store)
      guard let event = try events.find(id: eventID, forUpdate: true), event.studyID == studyID
      else { throw RegistryError.notFound("event", "\(studyID) has no event \(eventID)") }
      guard !event.voided else {
        throw RegistryError.conflict("event", "event \(eventID) is already voided")
      }
      if event.kind == .death, try AdverseEventRepository(store).hasLiveGrade5(studyID: studyID) {
        throw RegistryError.refused(
          "event",
          "a grade 5 adverse event of \(studyID) needs this death; correct or void that adverse event first"
        )
      }
      try events.void(id: eventID, reason: reason)
      if let status = event.kind.resultingStatus, patient.status == status {
        let previous = try events.priorStatus(eventID: eventID)
        try PatientRepository(store).updateStatus(
          studyID: studyID, to: previous?.status ?? .enrolled, on: previous?.on)
      }
      return Recorded(
        event: try events.find(id: eventID)!,
        patient: try AssessmentService.patient(studyID, store: store))
    }
  }

  /// A patient's events by date; voided ones only with `includeVoided`.
  public func list(studyID: String, includeVoided: Bool = false) throws -> [ClinicalEvent] {
    let store = try database.open()
    return try store.read {
      _ = try AssessmentService.patient(studyID, store: store)
      return try ClinicalEventRepository(store).list(
        studyID: studyID, includeVoided: includeVoided)
    }
  }

  /// Checks and writes an event in the caller's transaction, and the status it gives.
  static func record(
    _ kind: ClinicalEventKind, on date: CalendarDate, of patient: Patient, store: Store,
    field: String = "date"
  ) throws -> ClinicalEvent {
    let studyID = patient.studyID
    let events = ClinicalEventRepository(store)
    if patient.status == .died {
      let death = try events.live(studyID: studyID, kind: .death)
      throw RegistryError.refused(
        "study_id",
        "\(studyID) died\((death?.occurredOn ?? patient.statusOn).map { " on \($0)" } ?? ""); only adverse-event follow-up is recorded after death"
      )
    }
    guard date >= patient.enrolledOn else {
      throw RegistryError.refused(
        field, "\(date) is before the enrollment date \(patient.enrolledOn)")
    }
    if let existing = try events.live(studyID: studyID, kind: kind) {
      throw RegistryError.conflict(
        "kind",
        "\(kind.rawValue) of \(studyID) is already recorded (event \(existing.id) on \(existing.occurredOn)); void it to correct it"
      )
    }
    if let status = kind.resultingStatus {
      guard patient.status.canBecome(status) else {
        throw RegistryError.refused(
          "kind",
          "\(studyID) has status \(patient.status.rawValue); a \(patient.status.rawValue) patient cannot become \(status.rawValue)"
        )
      }
      if let last = try AssessmentRepository(store).latestDate(studyID: studyID), date < last {
        throw RegistryError.refused(
          field, "\(date) is before the patient's last assessment on \(last)")
      }
    }
    let changesStatus = kind.resultingStatus != nil
    let id = try events.insert(
      studyID: studyID, kind: kind, on: date,
      priorStatus: changesStatus ? patient.status : nil,
      priorStatusOn: changesStatus ? patient.statusOn : nil)
    if let status = kind.resultingStatus {
      try PatientRepository(store).updateStatus(studyID: studyID, to: status, on: date)
    }
    return try events.find(id: id)!
  }
}
