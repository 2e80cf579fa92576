/// The SLE Responder Index 4 at a follow-up visit against baseline (Furie et al., Arthritis
/// Rheum 2009; REFERENCE.md "SRI-4"; SPEC §6).
///
/// Components, each reported as met, not met or not assessed:
/// - SLEDAI-2K: reduced by ≥ 4 (baseline − follow-up ≥ 4). Always assessed.
/// - PGA (0–3): worsened by < 0.3 (follow-up − baseline < 0.3, the difference cleared of binary
///   noise, so 0.9 → 1.2 is a worsening of exactly 0.3 and fails). Not assessed when either
///   visit lacks a PGA; the patient is then not a responder (the component cannot be shown to
///   hold).
/// - BILAG-2004: no new A and at most one new B. Assessed when both visits have BILAG
///   grades recorded (SPEC §6 "where … recorded"); not assessed (not blocking response) when
///   the follow-up visit has none. Grades at the follow-up visit without grades at baseline
///   make the component not evaluable (REFERENCE.md "SRI-4" registry convention): the patient
///   is not a responder and a report counts them as missing. "New A": graded A at follow-up and not A at baseline. "New B": graded B at
///   follow-up and C, D or E (not A or B) at baseline. A domain not recorded at a visit is
///   taken as not graded A or B there (the conservative reading at baseline).
///
/// Responder when the SLEDAI-2K and PGA components are met and the BILAG component is met or
/// not assessed.
public struct SRI4: Sendable, Hashable {
  /// What one visit contributes.
  public struct Visit: Sendable, Hashable {
    /// SLEDAI-2K score, 0–105.
    public let sledai2k: Int
    /// Physician global assessment, if recorded.
    public let pga: PhysicianGlobalAssessment?
    /// BILAG-2004 grades, if recorded.
    public let bilag: BILAG2004?

    /// A visit from its SLEDAI-2K descriptors.
    public init(sledai2k: SLEDAI2K, pga: PhysicianGlobalAssessment?, bilag: BILAG2004?) {
      self.sledai2k = sledai2k.score
      self.pga = pga
      self.bilag = bilag
    }

    /// A visit from a stored SLEDAI-2K score.
    ///
    /// - Throws: `RegistryError.refused("sledai_descriptors", …)` for a score outside 0–105.
    public init(sledai2kScore: Int, pga: PhysicianGlobalAssessment?, bilag: BILAG2004?) throws {
      guard (0...SLEDAI2K.maximum).contains(sledai2kScore) else {
        throw RegistryError.refused(
          SLEDAI2K.field, "SLEDAI-2K score \(sledai2kScore) is outside 0–105")
      }
      self.sledai2k = sledai2kScore
      self.pga = pga
      self.bilag = bilag
    }
  }

  /// The outcome of one component.
  public enum Outcome: String, Sendable, Hashable, Codable {
    case met
    case notMet = "not_met"
    case notAssessed = "not_assessed"
    /// Recorded at follow-up but not at baseline: cannot be judged (BILAG only).
    case notEvaluable = "not_evaluable"
  }

  /// Required SLEDAI-2K reduction.
  public static let sledaiReductionRequired = 4
  /// PGA worsening must stay below this.
  public static let pgaWorseningLimit = 0.3

  /// Baseline − follow-up SLEDAI-2K (positive: improvement).
  public let sledaiReduction: Int
  /// SLEDAI-2K component.
  public let sledai: Outcome
  /// Follow-up − baseline PGA (positive: worse), nil when not assessed.
  public let pgaChange: Double?
  /// PGA component.
  public let pga: Outcome
  /// Domains newly graded A, in domain order (empty when BILAG is not assessed).
  public let newBILAGA: [BILAGDomain]
  /// Domains newly graded B, in domain order (empty when BILAG is not assessed).
  public let newBILAGB: [BILAGDomain]
  /// BILAG-2004 component.
  public let bilag: Outcome
  /// Whether the patient is an SRI-4 responder at the follow-up visit.
  public let responder: Bool

  /// Evaluates SRI-4 of a follow-up visit against baseline.
  public init(baseline: Visit, followUp: Visit) {
    sledaiReduction = baseline.sledai2k - followUp.sledai2k
    sledai = sledaiReduction >= Self.sledaiReductionRequired ? .met : .notMet

    if let p0 = baseline.pga, let p1 = followUp.pga {
      let change = ChangeFromBaseline(baseline: p0.value, value: p1.value).change
      pgaChange = change
      pga = change < Self.pgaWorseningLimit ? .met : .notMet
    } else {
      pgaChange = nil
      pga = .notAssessed
    }

    if baseline.bilag == nil, followUp.bilag != nil {
      newBILAGA = []
      newBILAGB = []
      bilag = .notEvaluable
    } else if let b0 = baseline.bilag, let b1 = followUp.bilag {
      newBILAGA = BILAGDomain.allCases.filter { b1[$0] == .a && b0[$0] != .a }
      newBILAGB = BILAGDomain.allCases.filter { d in
        b1[d] == .b && b0[d] != .a && b0[d] != .b
      }
      bilag = newBILAGA.isEmpty && newBILAGB.count <= 1 ? .met : .notMet
    } else {
      newBILAGA = []
      newBILAGB = []
      bilag = .notAssessed
    }

    responder = sledai == .met && pga == .met && (bilag == .met || bilag == .notAssessed)
  }

  /// How a patient counts in an SRI-4 endpoint of the cohort report (SPEC §6, REFERENCE.md
  /// "SRI-4"), in this order:
  /// 1. died on or before the last day of the endpoint visit's window (death before the window
  ///    closes): a non-responder from the death on, also while the window is still open;
  /// 2. no follow-up visit recorded: `missing` once the window has closed, else `notDue`;
  /// 3. no baseline visit: a non-responder (nothing to compare with);
  /// 4. BILAG-2004 graded at follow-up but not at baseline: `missing` (not evaluable, a
  ///    non-responder);
  /// 5. otherwise responder or non-responder by `SRI4(baseline:followUp:)`.
  ///
  /// - Parameters:
  ///   - diedBeforeWindowCloses: a live death event dated on or before the window's last day.
  ///   - windowClosed: the window's last day is before the report's cut-off.
  public static func status(
    baseline: Visit?, followUp: Visit?, diedBeforeWindowCloses: Bool, windowClosed: Bool
  ) -> ResponderStatus {
    if diedBeforeWindowCloses { return .nonResponder }
    guard let followUp else { return windowClosed ? .missing : .notDue }
    guard let baseline else { return .nonResponder }
    let sri4 = SRI4(baseline: baseline, followUp: followUp)
    if sri4.bilag == .notEvaluable { return .missing }
    return sri4.responder ? .responder : .nonResponder
  }
}
