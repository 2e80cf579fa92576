/// Renal response in lupus nephritis at a follow-up visit (KDIGO 2024 Clinical Practice
/// Guideline for Lupus Nephritis; REFERENCE.md "Renal response"; SPEC §6).
///
/// - Population: patients with active nephritis at baseline, taken as baseline UPCR ≥
///   `populationUPCRMin` (0.5 g/g unless the protocol sets `population: {upcr_min: X}`). A
///   patient below it, or without a baseline UPCR, is outside the endpoint
///   (`outsidePopulation`) and counts in neither numerator nor denominator.
/// - Kidney function stable or improved (KDIGO "±10–15% of baseline"; the registry's choice):
///   visit creatinine ≤ 1.15 × baseline creatinine, i.e. (creatinine − baseline) / baseline ≤
///   0.15. A lower creatinine always passes: improvement never demotes a response.
/// - Complete: UPCR < 0.5 g/g (50 mg/mmol) and kidney function stable or improved.
/// - Partial: not complete; UPCR reduced by ≥ 50% from baseline ((baseline − UPCR) /
///   baseline ≥ 0.5) and UPCR < 3 g/g (300 mg/mmol); and kidney function stable or improved.
/// - None: in the population, evaluable, neither complete nor partial.
/// - Not evaluable: in the population, but the visit lacks UPCR or creatinine (or baseline
///   creatinine is missing): no response can be shown. A report counts it as a non-responder
///   and under `missing` (SPEC §6 non-responder imputation).
///
/// Comparisons are made on ratios cleared of binary noise below 1e-9, so creatinine 1.0 → 1.15
/// is exactly 15% and counts as stable. The report's SQL (`CohortReportRepository`) applies the
/// same rules and is cross-checked against this type patient by patient.
public struct RenalResponse: Sendable, Hashable {
  /// The response category.
  public enum Category: String, Sendable, Hashable, CaseIterable, Codable {
    case complete, partial, none
    case notEvaluable = "not_evaluable"
    case outsidePopulation = "outside_population"
  }

  /// Default population threshold: baseline UPCR at least this (g/g), KDIGO 2024 via
  /// REFERENCE.md.
  public static let defaultPopulationUPCRMin = 0.5
  /// Complete response needs UPCR below this (g/g).
  public static let completeUPCRBelow = 0.5
  /// Stable or improved creatinine: relative increase at most this.
  public static let creatinineTolerance = 0.15
  /// Partial response needs a relative UPCR reduction of at least this.
  public static let partialReduction = 0.5
  /// Partial response needs UPCR below this (g/g).
  public static let partialUPCRBelow = 3.0

  /// The category.
  public let category: Category
  /// (baseline − follow-up) / baseline UPCR, nil when either is missing or baseline is 0.
  public let upcrReduction: Double?
  /// (follow-up − baseline) / baseline creatinine, nil when either is missing.
  public let creatinineChange: Double?

  /// Complete or partial.
  public var isResponder: Bool { category == .complete || category == .partial }
  /// In the endpoint's population (counted in its denominator).
  public var inPopulation: Bool { category != .outsidePopulation }

  /// Evaluates renal response; any input may be missing (see the type's rules).
  ///
  /// - Parameter populationUPCRMin: the population's baseline UPCR threshold in g/g (the
  ///   protocol's `population.upcr_min`, default 0.5).
  public init(
    baselineUPCR: UPCR?, baselineCreatinine: Creatinine?, upcr: UPCR?, creatinine: Creatinine?,
    populationUPCRMin: Double = RenalResponse.defaultPopulationUPCRMin
  ) {
    let u0 = baselineUPCR?.canonical
    let u1 = upcr?.canonical
    let c0 = baselineCreatinine?.canonical
    let c1 = creatinine?.canonical
    if let u0, let u1, u0 > 0 {
      upcrReduction = ClinicalNumber.snap((u0 - u1) / u0)
    } else {
      upcrReduction = nil
    }
    if let c0, let c1, c0 > 0 {
      creatinineChange = ClinicalNumber.snap((c1 - c0) / c0)
    } else {
      creatinineChange = nil
    }
    guard let u0, u0 >= populationUPCRMin else {
      category = .outsidePopulation
      return
    }
    guard let u1, let creatinineChange else {
      category = .notEvaluable
      return
    }
    let kidneyStable = creatinineChange <= Self.creatinineTolerance
    let reduced = u0 > 0 && (upcrReduction ?? 0) >= Self.partialReduction
    if kidneyStable && u1 < Self.completeUPCRBelow {
      category = .complete
    } else if kidneyStable && reduced && u1 < Self.partialUPCRBelow {
      category = .partial
    } else {
      category = .none
    }
  }

  /// How a patient counts in a renal-response endpoint of the cohort report (SPEC §6):
  /// outside the population (baseline UPCR below `populationUPCRMin` or missing) →
  /// `outsidePopulation`; no follow-up visit recorded → `missing` once the window has closed,
  /// else `notDue`; a visit → responder (complete or partial), `missing` (not evaluable) or
  /// non-responder.
  ///
  /// - Parameters:
  ///   - visitRecorded: a live assessment exists at the endpoint visit.
  ///   - windowClosed: the window's last day is before the report's cut-off.
  public static func status(
    baselineUPCR: UPCR?, baselineCreatinine: Creatinine?, upcr: UPCR?, creatinine: Creatinine?,
    visitRecorded: Bool, windowClosed: Bool,
    populationUPCRMin: Double = RenalResponse.defaultPopulationUPCRMin
  ) -> ResponderStatus {
    let r = RenalResponse(
      baselineUPCR: baselineUPCR, baselineCreatinine: baselineCreatinine,
      upcr: visitRecorded ? upcr : nil, creatinine: visitRecorded ? creatinine : nil,
      populationUPCRMin: populationUPCRMin)
    if r.category == .outsidePopulation { return .outsidePopulation }
    if !visitRecorded { return windowClosed ? .missing : .notDue }
    switch r.category {
    case .complete, .partial: return .responder
    case .notEvaluable: return .missing
    default: return .nonResponder
    }
  }
}
