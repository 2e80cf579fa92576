/// Everything `patient show` prints about one patient.
public struct PatientDetail: Sendable, Codable {
  /// The research record.
  public let patient: Patient
  /// Direct identifiers, only when asked for (`--identify`).
  public let identity: PatientIdentity?
  /// Consents, oldest first.
  public let consents: [Consent]
  /// The treatment course (infusions, lots, cumulative dose), when loaded.
  public let treatment: TreatmentCourse?

  /// Creates a detail value.
  public init(
    patient: Patient, identity: PatientIdentity?, consents: [Consent],
    treatment: TreatmentCourse? = nil
  ) {
    self.patient = patient
    self.identity = identity
    self.consents = consents
    self.treatment = treatment
  }
}
