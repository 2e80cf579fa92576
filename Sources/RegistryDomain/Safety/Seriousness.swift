/// The criterion that makes an adverse event serious, ICH E2A (REFERENCE.md; option `--serious`).
///
/// Separate from the CTCAE grade: a grade 3 event need not be serious, and a serious event may
/// be of any grade.
public enum Seriousness: String, ClinicalCode, CustomStringConvertible {
  case death
  case lifeThreatening = "life_threatening"
  /// Hospitalisation or its prolongation.
  case hospitalisation
  /// Persistent or significant disability or incapacity.
  case disability
  case congenitalAnomaly = "congenital_anomaly"
  case importantMedicalEvent = "important_medical_event"

  public static let codeName = "seriousness criterion"
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "serious"

  /// The code.
  public var description: String { rawValue }
}
