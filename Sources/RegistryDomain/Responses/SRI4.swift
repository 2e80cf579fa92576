/// The SLE Responder Index 4 at a follow-up visit against baseline (Furie et al., Arthritis
/// Rheum 2009; REFERENCE.md "SRI-4"; SPEC §6).
///
/// Components, each reported as met, not met or not assessed:
/// - SLEDAI-2K: reduced by ≥ 4 (baseline − follow-up ≥ 4). Always assessed.
/// - PGA (0–3): worsened by < 0.3 (follow-up − baseline < 0.3, the difference cleared of binary
///   noise, so 0.9 → 1.2 is a worsening of exactly 0.3 and fails). Not assessed when either
///   visit lacks a PGA; the patient is then not a responder (the component cannot be shown to
///   hold).
/// - BILAG-2004: no new A and at most one new B. Assessed only when both visits have BILAG
///   grades recorded (SPEC §6 "where … recorded"); when not assessed it does not block
///   response. "New A": graded A at follow-up and not A at baseline. "New B": graded B at
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
    /// - Throws: `RegistryError.refused("--sledai-descriptors", …)` for a score outside 0–105.
    public init(sledai2kScore: Int, pga: PhysicianGlobalAssessment?, bilag: BILAG2004?) throws {
      guard (0...SLEDAI2K.maximum).contains(sledai2kScore) else {
        throw RegistryError.refused(
          SLEDAI2K.option, "SLEDAI-2K score \(sledai2kScore) is outside 0–105")
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

    if let b0 = baseline.bilag, let b1 = followUp.bilag {
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

    responder = sledai == .met && pga == .met && bilag != .notMet
  }
}
