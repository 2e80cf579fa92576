import RegistryDomain
import RegistryStore

/// Adverse events: add, update (grade, resolution, seriousness, relatedness, infusion), void,
/// list.
public struct AdverseEventService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// What a coordinator reports (`mscreg ae add`), already parsed.
  public struct Report: Sendable {
    /// Event term.
    public var term: String
    /// CTCAE v5 grade.
    public var grade: CTCAEGrade
    /// ICH E2A criterion; nil when not serious (grade 5 fills in `death`).
    public var serious: Seriousness?
    /// Relation to the MSC product.
    public var relatedness: Relatedness
    /// Onset date.
    public var onset: CalendarDate
    /// Resolution date, nil while ongoing.
    public var resolved: CalendarDate?
    /// The infusion the event is linked to (a live infusion of the same patient).
    public var infusionID: Int64?
    /// The date of death, recorded as a death event in the same transaction (grade 5 only).
    public var deathDate: CalendarDate?

    /// Creates a report.
    public init(
      term: String, grade: CTCAEGrade, serious: Seriousness? = nil, relatedness: Relatedness,
      onset: CalendarDate, resolved: CalendarDate? = nil, infusionID: Int64? = nil,
      deathDate: CalendarDate? = nil
    ) {
      self.term = term
      self.grade = grade
      self.serious = serious
      self.relatedness = relatedness
      self.onset = onset
      self.resolved = resolved
      self.infusionID = infusionID
      self.deathDate = deathDate
    }
  }

  /// The recorded event with what else happened or deserves attention.
  public struct Recorded: Sendable, Encodable {
    /// The adverse event as stored.
    public let event: AdverseEvent
    /// The patient afterwards (status `died` after grade 5).
    public let patient: Patient
    /// Notes for the coordinator: the death recorded, a related event without infusion link.
    public let notes: [String]
  }

  /// Records an adverse event.
  ///
  /// Grade 5 needs the death on record: recorded before (`event add --kind death`), or given
  /// as `deathDate` and recorded in the same transaction; the patient becomes `died`.
  /// Seriousness follows `AdverseEvent.checkedSeriousness`. An infusion link must be a live
  /// infusion of the same patient, on or before the onset; a related event without a link is
  /// accepted (the link stays empty; a note says so when the patient has infusions).
  /// Refused (exit 65): onset in the future, before enrollment or after the death; resolution
  /// before onset or in the future; `deathDate` without grade 5 or with a death on record; a
  /// relatedness other than `unrelated` for a patient without a live MSC infusion on or before
  /// the onset (`Relatedness.checkExposure`, SPEC §4; the database holds the same rule).
  public func add(studyID: String, _ report: Report, today: CalendarDate = .today()) throws
    -> Recorded
  {
    let term = try TextField.validated(report.term, field: "term", maxLength: 200)
    let serious = try AdverseEvent.checkedSeriousness(grade: report.grade, serious: report.serious)
    try Self.checkDates(onset: report.onset, resolved: report.resolved, today: today)
    if report.deathDate != nil, report.grade != .death {
      throw RegistryError.refused(
        "death_date",
        "goes with a grade 5 adverse event; record other deaths with `mscreg event add ID --kind death`"
      )
    }
    if let death = report.deathDate {
      guard death <= today else {
        throw RegistryError.refused("death_date", "\(death) is in the future (today is \(today))")
      }
      guard death >= report.onset else {
        throw RegistryError.refused(
          "death_date", "\(death) is before the onset \(report.onset)")
      }
    }
    let store = try database.open()
    let reason = report.grade == .death ? "grade 5 adverse event: \(term)" : nil
    return try store.transaction(reason: reason) {
      let patient = try AssessmentService.patient(studyID, store: store, forUpdate: true)
      guard report.onset >= patient.enrolledOn else {
        throw RegistryError.refused(
          "onset", "\(report.onset) is before the enrollment date \(patient.enrolledOn)")
      }
      var notes: [String] = []
      let deathOn = try Self.deathDate(
        of: patient, grade: report.grade, given: report.deathDate, store: store, notes: &notes)
      if let deathOn, report.onset > deathOn {
        throw RegistryError.refused("onset", "\(report.onset) is after the death on \(deathOn)")
      }
      let adverse = AdverseEventRepository(store)
      if let id = report.infusionID {
        try Self.checkInfusion(id, studyID: studyID, onset: report.onset, store: store)
      }
      try report.relatedness.checkExposure(
        onset: report.onset, firstInfusion: try adverse.firstLiveInfusionDate(studyID: studyID),
        studyID: studyID)
      if report.infusionID == nil, report.relatedness.isRelated {
        let count = try adverse.liveInfusionCount(studyID: studyID)
        if count > 0 {
          notes.append(
            "related to MSC, but no infusion linked (\(studyID) has \(count) infusion\(count == 1 ? "" : "s")); link one with `ae update … --infusion N`"
          )
        }
      }
      let id = try adverse.insert(
        studyID: studyID, term: term, grade: report.grade, serious: serious,
        relatedness: report.relatedness, onset: report.onset, resolved: report.resolved,
        infusionID: report.infusionID)
      return Recorded(
        event: try adverse.find(id: id)!,
        patient: try AssessmentService.patient(studyID, store: store), notes: notes)
    }
  }

  /// Corrections of an adverse event (each nil keeps the stored value), with a reason kept
  /// in the audit trail.
  public struct Update: Sendable {
    /// New grade (to 5: the death must be on record; the patient becomes `died`).
    public var grade: CTCAEGrade?
    /// Resolution date.
    public var resolved: CalendarDate?
    /// New seriousness criterion.
    public var serious: Seriousness?
    /// New relatedness.
    public var relatedness: Relatedness?
    /// Infusion to link.
    public var infusionID: Int64?

    /// An empty update.
    public init(
      grade: CTCAEGrade? = nil, resolved: CalendarDate? = nil, serious: Seriousness? = nil,
      relatedness: Relatedness? = nil, infusionID: Int64? = nil
    ) {
      self.grade = grade
      self.resolved = resolved
      self.serious = serious
      self.relatedness = relatedness
      self.infusionID = infusionID
    }

    /// True when nothing is to change.
    public var isEmpty: Bool {
      grade == nil && resolved == nil && serious == nil && relatedness == nil && infusionID == nil
    }
  }

  /// Updates a live adverse event of a patient; returns it afterwards.
  ///
  /// A grade changed to 5 takes the criterion `death`, a grade changed away from 5 drops it,
  /// unless `serious` is given. A relatedness changed to anything but `unrelated` needs a live
  /// MSC infusion on or before the onset (exit 65, naming `--relatedness`).
  /// Unknown event or one of another patient: `.notFound("ae")`.
  public func update(
    studyID: String, eventID: Int64, _ change: Update, reason: String,
    today: CalendarDate = .today()
  ) throws -> Recorded {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    guard !change.isEmpty else {
      throw RegistryError.refused("changes", "give at least one field to change (see --help)")
    }
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patient = try AssessmentService.patient(studyID, store: store, forUpdate: true)
      let adverse = AdverseEventRepository(store)
      let old = try Self.liveEvent(eventID, studyID: studyID, store: store)
      let grade = change.grade ?? old.grade
      var serious = change.serious ?? old.serious
      if change.serious == nil, old.serious == .death, grade != .death { serious = nil }
      if change.serious == nil, grade == .death { serious = .death }
      serious = try AdverseEvent.checkedSeriousness(grade: grade, serious: serious)
      let resolved = change.resolved ?? old.resolvedOn
      try Self.checkDates(onset: old.onsetOn, resolved: resolved, today: today)
      var notes: [String] = []
      if grade == .death, old.grade != .death {
        _ = try Self.deathDate(of: patient, grade: grade, given: nil, store: store, notes: &notes)
      }
      if let relatedness = change.relatedness, relatedness != old.relatedness {
        try relatedness.checkExposure(
          onset: old.onsetOn,
          firstInfusion: try adverse.firstLiveInfusionDate(studyID: studyID), studyID: studyID)
      }
      if let id = change.infusionID {
        try Self.checkInfusion(id, studyID: studyID, onset: old.onsetOn, store: store)
      }
      try adverse.update(
        id: eventID, grade: grade, serious: serious,
        relatedness: change.relatedness ?? old.relatedness, resolved: resolved,
        infusionID: change.infusionID ?? old.infusionID)
      return Recorded(
        event: try adverse.find(id: eventID)!,
        patient: try AssessmentService.patient(studyID, store: store), notes: notes)
    }
  }

  /// Voids an adverse event entered in error, with a reason (reports ignore it). The
  /// patient's status is not changed: a death stays on record until its event is voided.
  public func void(studyID: String, eventID: Int64, reason: String) throws -> AdverseEvent {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let store = try database.open()
    return try store.transaction(reason: reason) {
      _ = try AssessmentService.patient(studyID, store: store, forUpdate: true)
      _ = try Self.liveEvent(eventID, studyID: studyID, store: store)
      let adverse = AdverseEventRepository(store)
      try adverse.void(id: eventID, reason: reason)
      return try adverse.find(id: eventID)!
    }
  }

  /// A patient's adverse events by onset; voided ones only with `includeVoided`.
  public func list(studyID: String, includeVoided: Bool = false) throws -> [AdverseEvent] {
    let store = try database.open()
    return try store.read {
      _ = try AssessmentService.patient(studyID, store: store)
      return try AdverseEventRepository(store).list(
        studyID: studyID, includeVoided: includeVoided)
    }
  }

  static func checkDates(onset: CalendarDate, resolved: CalendarDate?, today: CalendarDate)
    throws
  {
    guard onset <= today else {
      throw RegistryError.refused("onset", "\(onset) is in the future (today is \(today))")
    }
    if let resolved {
      guard resolved >= onset else {
        throw RegistryError.refused("resolved", "\(resolved) is before the onset \(onset)")
      }
      guard resolved <= today else {
        throw RegistryError.refused(
          "resolved", "\(resolved) is in the future (today is \(today))")
      }
    }
  }

  /// The patient's death date: on record, or recorded now from `given` (grade 5 only). A
  /// grade 5 event without either is refused, naming `--grade`.
  static func deathDate(
    of patient: Patient, grade: CTCAEGrade, given: CalendarDate?, store: Store,
    notes: inout [String]
  ) throws -> CalendarDate? {
    let onRecord = try ClinicalEventRepository(store).live(studyID: patient.studyID, kind: .death)
    if let given {
      if let onRecord {
        throw RegistryError.conflict(
          "death_date",
          "the death of \(patient.studyID) is already recorded on \(onRecord.occurredOn); leave out --death-date"
        )
      }
      _ = try ClinicalEventService.record(
        .death, on: given, of: patient, store: store, field: "death_date")
      notes.append("death recorded on \(given); \(patient.studyID) is now died")
      return given
    }
    if grade == .death {
      guard let onRecord else {
        throw RegistryError.refused(
          "grade",
          "a grade 5 adverse event needs the death of \(patient.studyID) on record: give --death-date D, or record it first with `mscreg event add \(patient.studyID) --kind death --date D`"
        )
      }
      if patient.status != .died, patient.status.canBecome(.died) {
        try PatientRepository(store).updateStatus(
          studyID: patient.studyID, to: .died, on: onRecord.occurredOn)
      }
    }
    return onRecord?.occurredOn
  }

  static func checkInfusion(_ id: Int64, studyID: String, onset: CalendarDate, store: Store)
    throws
  {
    guard let infusion = try AdverseEventRepository(store).infusion(id: id) else {
      throw RegistryError.notFound("infusion", "no infusion \(id)")
    }
    guard infusion.studyID == studyID else {
      throw RegistryError.refused("infusion", "infusion \(id) is not an infusion of \(studyID)")
    }
    guard !infusion.voided else {
      throw RegistryError.refused("infusion", "infusion \(id) is voided")
    }
    guard infusion.infusedOn <= onset else {
      throw RegistryError.refused(
        "infusion", "infusion \(id) on \(infusion.infusedOn) is after the onset \(onset)")
    }
  }

  static func liveEvent(_ id: Int64, studyID: String, store: Store) throws -> AdverseEvent {
    guard let event = try AdverseEventRepository(store).find(id: id, forUpdate: true),
      event.studyID == studyID
    else { throw RegistryError.notFound("ae", "\(studyID) has no adverse event \(id)") }
    guard !event.voided else {
      throw RegistryError.refused("ae", "adverse event \(id) is voided")
    }
    return event
  }
}
