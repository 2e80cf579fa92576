/// Where a patient stands in the trial (SPEC §4).
///
/// `enrolled` → `treated` (first infusion) → `completed`; `withdrawn`, `died` and
/// `lost_to_follow_up` are terminal, except that a withdrawn or lost patient may later be
/// reported dead. `treated` goes back to `enrolled` only when the patient's last live infusion
/// is voided (the database checks that no live infusion is left). The database holds the same
/// transitions in a trigger.
public enum PatientStatus: String, ClinicalCode {
  case enrolled, treated, completed, withdrawn, died
  case lostToFollowUp = "lost_to_follow_up"

  public static let codeName = "patient status"

  /// Whether infusions and assessments may still be recorded.
  public var isActive: Bool { self == .enrolled || self == .treated || self == .completed }

  /// Whether the status may change to `next`.
  public func canBecome(_ next: PatientStatus) -> Bool {
    switch (self, next) {
    case (.enrolled, .treated), (.enrolled, .completed): return true
    case (.treated, .completed), (.treated, .enrolled): return true
    case (.enrolled, .withdrawn), (.enrolled, .died), (.enrolled, .lostToFollowUp): return true
    case (.treated, .withdrawn), (.treated, .died), (.treated, .lostToFollowUp): return true
    case (.completed, .died), (.completed, .lostToFollowUp): return true
    case (.withdrawn, .died), (.lostToFollowUp, .died): return true
    default: return false
    }
  }
}
