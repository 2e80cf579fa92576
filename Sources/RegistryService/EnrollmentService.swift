import RegistryDomain
import RegistryStore

/// Enrolling patients: eligibility, consent, study IDs, randomization, screening log.
public struct EnrollmentService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Screens a candidate and, when eligible, enrolls them in one transaction.
  ///
  /// Refusals (exit 65) change nothing: unknown site or protocol (exit 66), an enrollment date
  /// in the future, an MRN already enrolled in the protocol. An ineligible candidate is written
  /// to the screening log (that row is committed) and refused with every failed criterion in
  /// `details`. An eligible one gets the next gapless study ID of the protocol and site, an
  /// arm from the stratified permuted blocks, consent, identity, allocation, a screening row
  /// and the baseline assessment from the screening measures.
  public func enroll(_ request: EnrollmentRequest, today: CalendarDate = .today()) throws
    -> EnrollmentResult
  {
    guard request.enrolledOn <= today else {
      throw RegistryError.refused(
        "--enrolled-on", "\(request.enrolledOn) is in the future (today is \(today))")
    }
    guard request.identity.birthDate <= request.enrolledOn else {
      throw RegistryError.refused("--birth-date", "is after the enrollment date")
    }
    let store = try database.open()
    enum Outcome {
      case enrolled(EnrollmentResult)
      case screenFailed([String])
    }
    let outcome: Outcome = try store.transaction {
      let protocols = ProtocolRepository(store)
      let patients = PatientRepository(store)
      guard try SiteRepository(store).find(code: request.site) != nil else {
        throw RegistryError.notFound("--site", "no site \(request.site)")
      }
      guard let record = try protocols.find(code: request.protocolCode) else {
        throw RegistryError.notFound("--protocol", "no protocol \(request.protocolCode) is loaded")
      }
      let trial = record.trial
      if let existing = try patients.studyID(
        enrolledWithMRN: request.identity.mrn, protocolCode: trial.code)
      {
        throw RegistryError.refused(
          "--mrn", "this MRN is already enrolled in \(trial.code) as \(existing)")
      }
      let failures = request.failedCriteria(of: trial)
      if !failures.isEmpty {
        try patients.insertScreening(
          protocolID: record.id, site: request.site, on: request.enrolledOn, failed: failures,
          studyID: nil)
        return .screenFailed(failures)
      }
      let number = try patients.takeStudyNumber(protocolCode: trial.code, site: request.site)
      guard number <= 9999 else {
        throw RegistryError.refused(
          "--site", "site \(request.site) has used all 9999 study IDs of \(trial.code)")
      }
      let studyID = Patient.studyID(prefix: trial.studyIDPrefix, site: request.site, number: number)
      let stratum = trial.randomization?.stratumKey(siteCode: request.site) ?? "*"
      let position = try patients.takeAllocationPosition(protocolID: record.id, stratum: stratum)
      let arm = trial.randomizer.arm(stratum: stratum, index: position).code
      let age = request.enrolledOn.years(since: request.identity.birthDate)
      let patient = Patient(
        studyID: studyID, protocolCode: trial.code, protocolVersion: trial.version,
        site: request.site, sex: request.sex, birthYear: request.identity.birthDate.year,
        ageAtEnrollment: age, enrolledOn: request.enrolledOn, arm: arm, status: .enrolled,
        statusOn: nil)
      try patients.insert(patient, protocolID: record.id, number: number)
      try patients.insertIdentity(request.identity, studyID: studyID, protocolCode: trial.code)
      if let consent = request.consent { try patients.insertConsent(consent, studyID: studyID) }
      try patients.insertAllocation(
        protocolID: record.id, stratum: stratum, position: position, arm: arm, studyID: studyID)
      try patients.insertScreening(
        protocolID: record.id, site: request.site, on: request.enrolledOn, failed: [],
        studyID: studyID)
      if let baseline = trial.baselineVisit, !request.measures.isEmpty {
        try AssessmentRepository(store).insert(
          studyID: studyID, visit: baseline.code, on: request.enrolledOn,
          measures: request.measures,
          scores: request.measures.derivedScores(sex: request.sex, age: age))
      }
      return .enrolled(
        EnrollmentResult(studyID: studyID, arm: arm, protocolVersion: trial.version))
    }
    switch outcome {
    case .enrolled(let result): return result
    case .screenFailed(let failures):
      throw RegistryError.refused(
        "eligibility",
        "not eligible (\(failures.count) \(failures.count == 1 ? "criterion" : "criteria") failed): "
          + failures.joined(separator: "; ") + "; recorded in the screening log, not enrolled",
        details: [])
    }
  }
}
