/// Renal response in lupus nephritis at a follow-up visit (KDIGO 2024; REFERENCE.md; SPEC §6).
///
/// - Complete: UPCR < 0.5 g/g (50 mg/mmol) with creatinine within 15% of baseline, i.e.
///   |creatinine − baseline| / baseline ≤ 0.15 (the registry's choice; both directions).
/// - Partial (when not complete): UPCR reduced by ≥ 50% from baseline
///   ((baseline − UPCR) / baseline ≥ 0.5, baseline UPCR > 0) and UPCR < 3 g/g. When creatinine
///   is missing at either visit a complete response cannot be shown, and the response is partial
///   if the partial rule holds.
/// - None: the values rule out both.
/// - Not evaluable: follow-up UPCR missing, or missing values (baseline UPCR, creatinine at
///   either visit) leave it open whether the response is complete or partial. A report that
///   counts responders treats it as a non-response (SPEC §6 non-responder imputation).
///
/// Comparisons are made on ratios cleared of binary noise below 1e-9, so creatinine 1.0 → 1.15
/// is exactly 15% and counts as stable.
public struct RenalResponse: Sendable, Hashable {
  /// The response category.
  public enum Category: String, Sendable, Hashable, CaseIterable, Codable {
    case complete, partial, none
    case notEvaluable = "not_evaluable"
  }

  /// Complete response needs UPCR below this (g/g).
  public static let completeUPCRBelow = 0.5
  /// Stable creatinine: relative change at most this.
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

  /// Evaluates renal response; any input may be missing (see the type's rules).
  public init(
    baselineUPCR: UPCR?, baselineCreatinine: Creatinine?, upcr: UPCR?, creatinine: Creatinine?
  ) {
    let u0 = baselineUPCR?.canonical
    let c0 = baselineCreatinine?.canonical
    let c1 = creatinine?.canonical
    if let u0, let u1 = upcr?.canonical, u0 > 0 {
      upcrReduction = ClinicalNumber.snap((u0 - u1) / u0)
    } else {
      upcrReduction = nil
    }
    if let c0, let c1, c0 > 0 {
      creatinineChange = ClinicalNumber.snap((c1 - c0) / c0)
    } else {
      creatinineChange = nil
    }
    guard let u1 = upcr?.canonical else {
      category = .notEvaluable
      return
    }
    // Complete: nil = cannot tell.
    let complete: Bool? =
      u1 >= Self.completeUPCRBelow
      ? false : creatinineChange.map { abs($0) <= Self.creatinineTolerance }
    let partial: Bool? =
      u1 >= Self.partialUPCRBelow
      ? false
      : (u0 == 0 ? false : upcrReduction.map { $0 >= Self.partialReduction })
    if complete == true {
      category = .complete
    } else if partial == true {
      category = .partial
    } else if complete == false && partial == false {
      category = .none
    } else {
      category = .notEvaluable
    }
  }
}
