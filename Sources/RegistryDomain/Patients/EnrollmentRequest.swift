/// What a coordinator gives to enroll a candidate (`mscreg patient enroll`), already parsed.
public struct EnrollmentRequest: Sendable {
  /// Protocol code (the latest loaded version is used).
  public let protocolCode: String
  /// Site code.
  public let site: String
  /// Direct identifiers (stored only in the `identity` schema).
  public let identity: PatientIdentity
  /// Sex.
  public let sex: Sex
  /// Consent, when one is recorded.
  public let consent: Consent?
  /// Day 0; also the screening date and the baseline assessment's date.
  public let enrolledOn: CalendarDate
  /// The screening measures (they become the baseline assessment).
  public let measures: MeasureSet

  /// Creates a request.
  public init(
    protocolCode: String, site: String, identity: PatientIdentity, sex: Sex, consent: Consent?,
    enrolledOn: CalendarDate, measures: MeasureSet
  ) {
    self.protocolCode = protocolCode
    self.site = site
    self.identity = identity
    self.sex = sex
    self.consent = consent
    self.enrolledOn = enrolledOn
    self.measures = measures
  }

  /// Every failed criterion: the protocol's eligibility (age at enrollment, each measure
  /// criterion, consent when required) and consent dated after enrollment. Each entry is
  /// `criterion: value and limit`. Empty when eligible.
  ///
  /// - Throws: `RegistryError.refused` naming the missing option and the criterion when the
  ///   screening lacks a measure a criterion needs (`Eligibility.missingInput(in:)`): such a
  ///   screening is refused, not a screen failure.
  public func failedCriteria(of trial: TrialProtocol) throws -> [String] {
    if let missing = trial.eligibility.missingInput(in: measures) { throw missing }
    return screeningFailures(of: trial)
  }

  /// As `failedCriteria(of:)`, listing a missing measure as `not measured` instead of
  /// refusing (the synthetic cohort generator's view).
  public func screeningFailures(of trial: TrialProtocol) -> [String] {
    let age = enrolledOn.years(since: identity.birthDate)
    var failures = trial.eligibility.failures(
      ageYears: age, sex: sex, measures: measures, hasConsent: consent != nil)
    if let consent, consent.signedOn > enrolledOn {
      failures.append(
        "consent: signed \(consent.signedOn), after the enrollment date \(enrolledOn)")
    }
    return failures
  }
}

/// What enrollment returns: the study ID and the arm, nothing about the next allocation.
public struct EnrollmentResult: Sendable, Equatable, Codable {
  /// The new study ID.
  public let studyID: String
  /// The arm assigned.
  public let arm: String
  /// Protocol version enrolled under.
  public let protocolVersion: Int

  /// Creates a result.
  public init(studyID: String, arm: String, protocolVersion: Int) {
    self.studyID = studyID
    self.arm = arm
    self.protocolVersion = protocolVersion
  }

  enum CodingKeys: String, CodingKey {
    case arm
    case studyID = "study_id"
    case protocolVersion = "protocol_version"
  }
}
