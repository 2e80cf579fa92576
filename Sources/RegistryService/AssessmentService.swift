import RegistryDomain
import RegistryStore

/// Assessments at protocol visits: record, amend, void, list, and the visits due.
public struct AssessmentService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// An amendment's result: the assessment before and after.
  public struct Amended: Sendable, Encodable {
    /// The live assessment before the amendment.
    public let before: Assessment
    /// The assessment as amended.
    public let after: Assessment
  }

  /// Records the assessment of a protocol visit; the scores are derived by the domain engine
  /// and stored with its version.
  ///
  /// Refused (exit 65, nothing written): a patient who is not active (withdrawn, died, lost to
  /// follow-up); a visit code the patient's protocol does not have; no measure given; a date
  /// in the future, before enrollment outside the window, or outside the window without
  /// `outOfWindow` and a `reason` (`AssessmentTiming`); a visit already assessed (correct it
  /// with `amend`, or `void` it). Unknown study ID: `.notFound` (exit 66).
  public func record(
    studyID: String, visit code: String, on date: CalendarDate, measures: MeasureSet,
    outOfWindow: Bool = false, reason: String? = nil, today: CalendarDate = .today()
  ) throws -> Assessment {
    let reason = try reason.map { try TextField.validated($0, field: "reason", maxLength: 1000) }
    guard !measures.isEmpty else {
      throw RegistryError.refused("measures", "give at least one measure (see --help)")
    }
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patient = try Self.patient(studyID, store: store, forUpdate: true)
      guard patient.status.isActive else {
        throw RegistryError.refused(
          "study_id",
          "\(studyID) has status \(patient.status.rawValue)\(patient.statusOn.map { " since \($0)" } ?? ""); no assessments are recorded after withdrawal, death or loss to follow-up"
        )
      }
      let visit = try Self.visit(code, of: patient, store: store)
      let deviation = try AssessmentTiming.isDeviation(
        date: date, visit: visit, enrolledOn: patient.enrolledOn, today: today,
        outOfWindow: outOfWindow, reason: reason)
      let assessments = AssessmentRepository(store)
      if let existing = try assessments.find(studyID: studyID, visit: visit.code) {
        throw RegistryError.conflict(
          "visit",
          "\(visit.code) of \(studyID) is already assessed (\(existing.assessedOn)); correct it with `mscreg assess amend \(studyID) --visit \(visit.code) … --reason R` or void it"
        )
      }
      try assessments.insert(
        studyID: studyID, visit: visit.code, on: date, measures: measures,
        scores: Self.scores(measures, patient: patient, on: date),
        deviationReason: deviation ? reason : nil)
      return try assessments.find(studyID: studyID, visit: visit.code)!
    }
  }

  /// Amends the live assessment of a visit: each option given replaces the stored value, the
  /// others keep theirs; the scores are computed again. The audit trail keeps the old and new
  /// row with the mandatory reason.
  ///
  /// A new `date` is checked like a new assessment's (an out-of-window date needs
  /// `outOfWindow`; `reason` is then also the deviation's reason). `dialysis` nil keeps the
  /// stored flag. Allowed whatever the patient's status (a correction, not a new visit).
  /// Refused: no change given, a value the domain refuses, an amendment that changes nothing.
  /// No live assessment of the visit: `.notFound("visit")`.
  public func amend(
    studyID: String, visit code: String, changes: RawMeasures, dialysis: Bool? = nil,
    date: CalendarDate? = nil, outOfWindow: Bool = false, reason: String,
    today: CalendarDate = .today()
  ) throws -> Amended {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    guard !changes.isEmpty || dialysis != nil || date != nil else {
      throw RegistryError.refused("measures", "give at least one measure or --date to correct")
    }
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patient = try Self.patient(studyID, store: store, forUpdate: true)
      let assessments = AssessmentRepository(store)
      guard let before = try assessments.find(studyID: studyID, visit: code, forUpdate: true),
        let stored = try assessments.rawMeasures(id: before.id)
      else {
        throw RegistryError.notFound(
          "visit", "\(studyID) has no live assessment of visit \(code)")
      }
      let measures = try MeasureSet(parsing: stored.amended(by: changes, dialysis: dialysis))
      var newDate = before.assessedOn
      var deviationReason = before.deviationReason
      if let date {
        let visit = try Self.visit(code, of: patient, store: store)
        let deviation = try AssessmentTiming.isDeviation(
          date: date, visit: visit, enrolledOn: patient.enrolledOn, today: today,
          outOfWindow: outOfWindow, reason: reason)
        newDate = date
        deviationReason = deviation ? reason : nil
      } else if outOfWindow {
        throw RegistryError.refused("out_of_window", "goes with a corrected --date")
      }
      let scores = Self.scores(measures, patient: patient, on: newDate)
      var oldScores = before.scores
      oldScores.eularAcrClassified = nil
      var newScores = scores
      newScores.eularAcrClassified = nil
      guard
        measures != before.measures || newDate != before.assessedOn || newScores != oldScores
      else {
        throw RegistryError.refused("measures", "the amendment changes nothing")
      }
      try assessments.update(
        id: before.id, on: newDate, measures: measures, scores: scores,
        deviationReason: deviationReason)
      return Amended(before: before, after: try assessments.find(studyID: studyID, visit: code)!)
    }
  }

  /// Voids the live assessment of a visit (entered in error) with a reason: reads and reports
  /// ignore it, the row and its audit trail stay, and the visit may be assessed again.
  public func void(studyID: String, visit code: String, reason: String) throws -> Assessment {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let store = try database.open()
    return try store.transaction(reason: reason) {
      _ = try Self.patient(studyID, store: store, forUpdate: true)
      let assessments = AssessmentRepository(store)
      guard let live = try assessments.find(studyID: studyID, visit: code, forUpdate: true) else {
        throw RegistryError.notFound(
          "visit", "\(studyID) has no live assessment of visit \(code)")
      }
      try assessments.void(id: live.id, reason: reason)
      return try assessments.list(studyID: studyID, includeVoided: true).first {
        $0.id == live.id
      }!
    }
  }

  /// A patient's assessments by date; voided ones only with `includeVoided`.
  public func list(studyID: String, includeVoided: Bool = false) throws -> [Assessment] {
    let store = try database.open()
    return try store.read {
      _ = try Self.patient(studyID, store: store)
      return try AssessmentRepository(store).list(studyID: studyID, includeVoided: includeVoided)
    }
  }

  /// The visits of active patients (enrolled, treated, completed) without a live assessment
  /// that are overdue, due or upcoming on `asOf` (`VisitDue.classify`), filtered by site and
  /// protocol code: overdue first, then due, then upcoming, each by window start and study ID.
  public func visitsDue(
    protocolCode: String? = nil, site: String? = nil, asOf: CalendarDate = .today()
  ) throws -> [VisitDue] {
    let store = try database.open()
    return try store.read {
      if let site, try SiteRepository(store).find(code: site) == nil {
        throw RegistryError.notFound("site", "no site \(site)")
      }
      let protocols = ProtocolRepository(store)
      if let protocolCode, try protocols.find(code: protocolCode) == nil {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      let patients = try PatientRepository(store).list(
        protocolCode: protocolCode, site: site, status: nil
      ).filter { $0.status.isActive }
      let assessed = try AssessmentRepository(store).assessedVisits(
        protocolCode: protocolCode, site: site)
      var trials: [String: TrialProtocol] = [:]
      var due: [VisitDue] = []
      for patient in patients {
        let key = "\(patient.protocolCode) v\(patient.protocolVersion)"
        if trials[key] == nil {
          trials[key] = try protocols.find(
            code: patient.protocolCode, version: patient.protocolVersion)?.trial
        }
        guard let trial = trials[key] else { continue }
        due += VisitDue.visits(
          of: patient, protocol: trial, assessed: assessed[patient.studyID] ?? [], asOf: asOf)
      }
      let order = VisitDueState.allCases
      return due.sorted {
        ($0.state == $1.state)
          ? ($0.windowStart, $0.studyID, $0.day) < ($1.windowStart, $1.studyID, $1.day)
          : order.firstIndex(of: $0.state)! < order.firstIndex(of: $1.state)!
      }
    }
  }

  /// The scores of a measure set for a patient on a date. Age for MELD 3.0 is the age at
  /// enrollment plus the whole years since (the birth date stays in the identity schema).
  static func scores(_ measures: MeasureSet, patient: Patient, on date: CalendarDate)
    -> DerivedScores
  {
    let age = patient.ageAtEnrollment + max(0, date.years(since: patient.enrolledOn))
    return measures.derivedScores(sex: patient.sex, age: age)
  }

  static func patient(_ studyID: String, store: Store, forUpdate: Bool = false) throws -> Patient {
    guard let patient = try PatientRepository(store).find(studyID: studyID, forUpdate: forUpdate)
    else { throw RegistryError.notFound("study_id", "no patient \(studyID)") }
    return patient
  }

  static func visit(_ code: String, of patient: Patient, store: Store) throws -> ScheduledVisit {
    guard
      let trial = try ProtocolRepository(store).find(
        code: patient.protocolCode, version: patient.protocolVersion)?.trial
    else {
      throw RegistryError(
        .internal, field: "protocol_definition",
        "protocol \(patient.protocolCode) v\(patient.protocolVersion) of \(patient.studyID) is missing"
      )
    }
    guard let visit = trial.visit(code: code) else {
      throw RegistryError.refused(
        "visit",
        "\(trial.code) v\(trial.version) has no visit '\(code)'; visits: \(trial.visits.map(\.code).joined(separator: ", "))"
      )
    }
    return visit
  }
}
