/// A patient in the research tables: no direct identifiers, only the study ID.
public struct Patient: Sendable, Equatable, Codable {
  /// `<prefix>-<SITE>-<NNNN>`.
  public let studyID: String
  /// Protocol code.
  public let protocolCode: String
  /// Protocol version the patient was enrolled under.
  public let protocolVersion: Int
  /// Site code.
  public let site: String
  /// `F` or `M`.
  public let sex: Sex
  /// Year of birth.
  public let birthYear: Int
  /// Whole years at enrollment.
  public let ageAtEnrollment: Int
  /// Day 0 of the trial calendar.
  public let enrolledOn: CalendarDate
  /// Assigned arm code.
  public let arm: String
  /// Current status.
  public let status: PatientStatus
  /// Date of the last status change (withdrawal, death …), if any.
  public let statusOn: CalendarDate?
  /// True for a patient written by `mscreg demo seed` (a synthetic cohort), false for a real
  /// patient.
  public var synthetic = false

  /// Creates a patient value.
  public init(
    studyID: String, protocolCode: String, protocolVersion: Int, site: String, sex: Sex,
    birthYear: Int, ageAtEnrollment: Int, enrolledOn: CalendarDate, arm: String,
    status: PatientStatus, statusOn: CalendarDate?
  ) {
    self.studyID = studyID
    self.protocolCode = protocolCode
    self.protocolVersion = protocolVersion
    self.site = site
    self.sex = sex
    self.birthYear = birthYear
    self.ageAtEnrollment = ageAtEnrollment
    self.enrolledOn = enrolledOn
    self.arm = arm
    self.status = status
    self.statusOn = statusOn
  }

  enum CodingKeys: String, CodingKey {
    case sex, arm, status, site
    case studyID = "study_id"
    case protocolCode = "protocol"
    case protocolVersion = "protocol_version"
    case birthYear = "birth_year"
    case ageAtEnrollment = "age_at_enrollment"
    case enrolledOn = "enrolled_on"
    case statusOn = "status_on"
    case synthetic
  }

  /// Formats a study ID: `SLE-PAN-0001`.
  public static func studyID(prefix: String, site: String, number: Int) -> String {
    let digits = String(number)
    return "\(prefix)-\(site)-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}

/// Consent to take part: version of the form and date signed; withdrawal when it happens.
public struct Consent: Sendable, Equatable, Codable {
  /// Version of the consent form.
  public let version: String
  /// Date signed.
  public let signedOn: CalendarDate
  /// Date consent was withdrawn, if it was.
  public let withdrawnOn: CalendarDate?

  /// Creates a consent value.
  public init(version: String, signedOn: CalendarDate, withdrawnOn: CalendarDate? = nil) {
    self.version = version
    self.signedOn = signedOn
    self.withdrawnOn = withdrawnOn
  }

  enum CodingKeys: String, CodingKey {
    case version
    case signedOn = "signed_on"
    case withdrawnOn = "withdrawn_on"
  }
}
