/// Where a patient stands in the trial (SPEC §4).
///
/// `enrolled` → `treated` (first infusion) → `completed`; `withdrawn`, `died` and
/// `lost_to_follow_up` are terminal, except that a withdrawn or lost patient may later be
/// reported dead. Three moves go back, each when the record that made the status is voided
/// (`canBecome(_:given:)`): `treated` → `enrolled` once no live infusion is left, `died` → any
/// status once no live death is recorded, `lost_to_follow_up` → `enrolled`, `treated` or
/// `completed` once no live loss to follow-up is recorded. The database holds the same
/// transitions in a trigger (`registry.check_status_transition`); `PatientStatusRulesTests`
/// checks every pair against it.
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

  /// The records a status change depends on beyond the two statuses: what is still live
  /// (not voided) for the patient.
  public struct Evidence: Sendable, Equatable {
    /// A live infusion exists.
    public var liveInfusion: Bool
    /// A live death event exists.
    public var liveDeath: Bool
    /// A live loss-to-follow-up event exists.
    public var liveLossToFollowUp: Bool

    /// Creates the evidence; nothing is live by default.
    public init(
      liveInfusion: Bool = false, liveDeath: Bool = false, liveLossToFollowUp: Bool = false
    ) {
      self.liveInfusion = liveInfusion
      self.liveDeath = liveDeath
      self.liveLossToFollowUp = liveLossToFollowUp
    }
  }

  /// Whether the status may change to `next` (a different status) given what is live for the
  /// patient: the forward moves of `canBecome(_:)`, and the moves back that voiding an
  /// infusion, a death or a loss to follow-up allows.
  public func canBecome(_ next: PatientStatus, given evidence: Evidence) -> Bool {
    switch (self, next) {
    case (.treated, .enrolled): return !evidence.liveInfusion
    case (.died, _): return next != .died && !evidence.liveDeath
    case (.lostToFollowUp, .enrolled), (.lostToFollowUp, .treated),
      (.lostToFollowUp, .completed):
      return !evidence.liveLossToFollowUp
    default: return canBecome(next)
    }
  }
}
