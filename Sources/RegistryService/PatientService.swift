import RegistryDomain
import RegistryStore

/// Reading and correcting patients: show, list, withdraw, amend.
public struct PatientService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// One patient with their treatment course; identity only when `identify` is true.
  /// Unknown study ID: `.notFound`.
  public func show(studyID: String, identify: Bool = false) throws -> PatientDetail {
    try show(studyID: studyID, identify: identify, withVersion: false).detail
  }

  /// `show(studyID:identify:)` and the patient's `version(studyID:)`, read in the same one
  /// transaction (one snapshot: the version is that of the record shown). For the registry
  /// service's `GET /patients/{study_id}` and its ETag.
  public func showWithVersion(studyID: String, identify: Bool = false) throws -> (
    detail: PatientDetail, version: String
  ) {
    let shown = try show(studyID: studyID, identify: identify, withVersion: true)
    guard let version = shown.version else {
      throw RegistryError.notFound("study_id", "no patient \(studyID)")
    }
    return (shown.detail, version)
  }

  private func show(studyID: String, identify: Bool, withVersion: Bool) throws -> (
    detail: PatientDetail, version: String?
  ) {
    let store = try database.open()
    // READ ONLY, the identity too (registry.patient_identity writes nothing): a read commits
    // without the write path's check of what it wrote, one round trip fewer.
    return try store.transaction(isolation: .repeatableRead, readOnly: true) {
      let patients = PatientRepository(store)
      guard let patient = try patients.find(studyID: studyID) else {
        throw RegistryError.notFound("study_id", "no patient \(studyID)")
      }
      let detail = PatientDetail(
        patient: patient, identity: identify ? try patients.identity(studyID: studyID) : nil,
        consents: try patients.consents(studyID: studyID),
        treatment: TreatmentCourse(infusions: try InfusionRepository(store).all(studyID: studyID)))
      return (detail, withVersion ? try patients.version(studyID: studyID) : nil)
    }
  }

  /// Patients filtered by protocol code, site and status, by study ID.
  ///
  /// `after` and `limit` give one page of that list: the patients whose study ID sorts after
  /// `after` (the last one of the previous page), at most `limit` (nil: all).
  public func list(
    protocolCode: String?, site: String?, status: PatientStatus?, excludeSynthetic: Bool = false,
    after: String? = nil, limit: Int? = nil
  ) throws -> [Patient] {
    let store = try database.open()
    return try store.read {
      // A filter naming nothing that exists is a typo, not an empty cohort (exit 66).
      if let site, try SiteRepository(store).find(code: site) == nil {
        throw RegistryError.notFound("site", "no site \(site)")
      }
      if let protocolCode, try ProtocolRepository(store).find(code: protocolCode) == nil {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      return try PatientRepository(store).list(
        protocolCode: protocolCode, site: site, status: status,
        excludeSynthetic: excludeSynthetic, after: after, limit: limit)
    }
  }

  /// Withdraws a patient (and their consent) on a date with a reason.
  ///
  /// Refused when the status is terminal, the date is before enrollment or in the future, or
  /// the reason is empty. Survival events stay recordable afterwards.
  public func withdraw(
    studyID: String, reason: String, on date: CalendarDate?, today: CalendarDate = .today()
  ) throws -> Patient {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let date = date ?? today
    guard date <= today else {
      throw RegistryError.refused("date", "\(date) is in the future (today is \(today))")
    }
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patients = PatientRepository(store)
      guard let patient = try patients.find(studyID: studyID, forUpdate: true) else {
        throw RegistryError.notFound("study_id", "no patient \(studyID)")
      }
      guard patient.status.canBecome(.withdrawn) else {
        throw RegistryError.refused(
          "study_id",
          "\(studyID) has status \(patient.status.rawValue); a \(patient.status.rawValue) patient cannot be withdrawn"
        )
      }
      guard date >= patient.enrolledOn else {
        throw RegistryError.refused(
          "date", "\(date) is before the enrollment date \(patient.enrolledOn)")
      }
      try patients.updateStatus(studyID: studyID, to: .withdrawn, on: date)
      try patients.withdrawConsent(studyID: studyID, on: date)
      return try patients.find(studyID: studyID)!
    }
  }

  /// Demographic and identity corrections, each kept in the audit trail with the reason.
  public struct Amendment: Sendable {
    /// New sex, if corrected.
    public var sex: Sex?
    /// New birth date, if corrected (birth year and age at enrollment follow).
    public var birthDate: CalendarDate?
    /// New MRN, if corrected.
    public var mrn: String?
    /// New given name, if corrected.
    public var givenName: String?
    /// New family name, if corrected.
    public var familyName: String?
    /// New contact, if corrected.
    public var contact: String?

    /// An empty amendment.
    public init() {}

    /// True when nothing is to change.
    public var isEmpty: Bool {
      sex == nil && birthDate == nil && mrn == nil && givenName == nil && familyName == nil
        && contact == nil
    }
  }

  /// The version of a patient's record (`version(studyID:)`, what the registry service sends
  /// as its ETag): it changes with every write to the patient. Unknown study ID: `.notFound`.
  public func version(studyID: String) throws -> String {
    let store = try database.open()
    return try store.read {
      guard let version = try PatientRepository(store).version(studyID: studyID) else {
        throw RegistryError.notFound("study_id", "no patient \(studyID)")
      }
      return version
    }
  }

  /// Applies corrections with a mandatory reason; returns the patient afterwards.
  ///
  /// With `ifVersion` (a `version(studyID:)` read earlier), a patient changed since then is
  /// not amended: `.conflict` on `If-Match` (an amendment of a changed record).
  public func amend(
    studyID: String, _ amendment: Amendment, reason: String, ifVersion: String? = nil
  ) throws -> Patient {
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    guard !amendment.isEmpty else {
      throw RegistryError.refused("changes", "give at least one field to correct (see --help)")
    }
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let patients = PatientRepository(store)
      guard let patient = try patients.find(studyID: studyID, forUpdate: true),
        let identity = try patients.identity(studyID: studyID)
      else { throw RegistryError.notFound("study_id", "no patient \(studyID)") }
      if let ifVersion, try patients.version(studyID: studyID) != ifVersion {
        throw RegistryError.conflict(
          "If-Match",
          "\(studyID) was changed since version \(ifVersion); read it again and retry")
      }
      let birth = amendment.birthDate ?? identity.birthDate
      guard birth <= patient.enrolledOn else {
        throw RegistryError.refused(
          "birth_date", "\(birth) is after the enrollment date \(patient.enrolledOn)")
      }
      let corrected = try PatientIdentity.validated(
        mrn: amendment.mrn ?? identity.mrn, givenName: amendment.givenName ?? identity.givenName,
        familyName: amendment.familyName ?? identity.familyName, birthDate: birth.description,
        contact: amendment.contact ?? identity.contact)
      if corrected.mrn != identity.mrn,
        let other = try patients.studyID(
          enrolledWithMRN: corrected.mrn, protocolCode: patient.protocolCode)
      {
        throw RegistryError.conflict("mrn", "this MRN is already enrolled as \(other)")
      }
      if corrected != identity { try patients.updateIdentity(corrected, studyID: studyID) }
      try patients.updateDemographics(
        studyID: studyID, sex: amendment.sex ?? patient.sex, birthYear: birth.year,
        ageAtEnrollment: patient.enrolledOn.years(since: birth))
      return try patients.find(studyID: studyID)!
    }
  }
}
