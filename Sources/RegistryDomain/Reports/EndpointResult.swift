/// One endpoint's result within a group (SPEC §6 JSON).
public enum EndpointResult: Sendable, Equatable, Codable {
  /// Kaplan–Meier estimates at the endpoint's horizons.
  case survival(Survival)
  /// A responder proportion with a Wilson interval (`sri4`, `renal_response`).
  case proportion(Proportion)
  /// Change from baseline: n, mean, SD and a t-based interval.
  case change(Change)

  /// Survival at horizons.
  public struct Survival: Sendable, Equatable, Codable {
    /// Endpoint code.
    public var code: String
    /// `survival`.
    public var kind = "survival"
    /// Events that end survival.
    public var events: [String]
    /// Points at the horizons.
    public var points: [Point]
    /// Median survival in days: the first time S ≤ 0.5 (nil when not reached or suppressed).
    public var medianDays: Double?
    /// Lower end of the median's 95% CI (where the band's lower edge crosses 0.5; see
    /// `KaplanMeierEstimate.medianInterval`); nil when the median is nil.
    public var medianCILow: Double?
    /// Upper end of the median's 95% CI; nil when the band's upper edge stays above 0.5
    /// (not reached) or the median is nil.
    public var medianCIHigh: Double?
    /// Patients in the estimate and their events (nil when suppressed).
    public var patients: Int?
    /// Events observed.
    public var eventsObserved: Int?
    /// The whole step curve, for charts (not part of the JSON contract).
    public var curve: [CurvePoint] = []

    /// A horizon.
    public struct Point: Sendable, Equatable, Codable {
      /// Day since enrollment.
      public var day: Int
      /// Patients still at risk on that day (time ≥ day).
      public var atRisk: Int?
      /// Kaplan–Meier survival.
      public var survival: Double?
      /// Lower 95% bound.
      public var ciLow: Double?
      /// Upper 95% bound.
      public var ciHigh: Double?
      /// False when the horizon lies beyond the last follow-up of every patient still at
      /// risk and the curve has not reached 0 (or the group has no patients): survival and
      /// its interval are then nil, "NE" in text and HTML.
      public var estimable = true

      enum CodingKeys: String, CodingKey {
        case day, survival, estimable
        case atRisk = "at_risk"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
      }
    }

    /// One step of the curve.
    public struct CurvePoint: Sendable, Equatable, Codable {
      /// Day.
      public var day: Double
      /// Survival just after the day.
      public var survival: Double
      /// Lower bound.
      public var ciLow: Double
      /// Upper bound.
      public var ciHigh: Double
      /// At risk at the day.
      public var atRisk: Int
      /// Patients censored on the day (drawn as tick marks).
      public var censored = 0
    }

    enum CodingKeys: String, CodingKey {
      case code, kind, events, points, patients
      case medianDays = "median_days"
      case medianCILow = "median_ci_low"
      case medianCIHigh = "median_ci_high"
      case eventsObserved = "events_observed"
    }
  }

  /// A proportion.
  public struct Proportion: Sendable, Equatable, Codable {
    /// Endpoint code.
    public var code: String
    /// `sri4` or `renal_response`.
    public var kind: String
    /// Visit read.
    public var visit: String
    /// Responders (non-responder imputation for missing visits).
    public var responders: Int?
    /// Patients in the denominator.
    public var patients: Int?
    /// responders / patients.
    public var rate: Double?
    /// Wilson 95% lower bound.
    public var ciLow: Double?
    /// Wilson 95% upper bound.
    public var ciHigh: Double?
    /// Renal response only: patients in the endpoint's population among `patients` (baseline
    /// UPCR at or above the threshold), the rate's denominator.
    public var population: Int?
    /// Renal response only: the population's baseline UPCR threshold, g/g.
    public var populationUPCRMin: Double?
    /// Renal response only: complete responders.
    public var complete: Int?
    /// Renal response only: partial responders.
    public var partial: Int?
    /// Patients of the population whose visit had no live assessment or could not be
    /// evaluated (imputed as non-responders).
    public var missing: Int?

    enum CodingKeys: String, CodingKey {
      case code, kind, visit, responders, patients, population, rate, complete, partial, missing
      case populationUPCRMin = "population_upcr_min"
      case ciLow = "ci_low"
      case ciHigh = "ci_high"
    }
  }

  /// A change from baseline.
  public struct Change: Sendable, Equatable, Codable {
    /// Endpoint code.
    public var code: String
    /// `change`.
    public var kind = "change"
    /// Measure.
    public var measure: String
    /// Visit read.
    public var visit: String
    /// Patients with the measure at baseline and at the visit.
    public var n: Int?
    /// Mean change.
    public var mean: Double?
    /// Sample SD of the change.
    public var sd: Double?
    /// t-based 95% lower bound.
    public var ciLow: Double?
    /// t-based 95% upper bound.
    public var ciHigh: Double?

    enum CodingKeys: String, CodingKey {
      case code, kind, measure, visit, n, mean, sd
      case ciLow = "ci_low"
      case ciHigh = "ci_high"
    }
  }

  /// The endpoint's code.
  public var code: String {
    switch self {
    case .survival(let s): s.code
    case .proportion(let p): p.code
    case .change(let c): c.code
    }
  }

  public func encode(to encoder: Encoder) throws {
    switch self {
    case .survival(let s): try s.encode(to: encoder)
    case .proportion(let p): try p.encode(to: encoder)
    case .change(let c): try c.encode(to: encoder)
    }
  }

  public init(from decoder: Decoder) throws {
    struct Kind: Decodable { let kind: String }
    switch try Kind(from: decoder).kind {
    case "survival": self = .survival(try Survival(from: decoder))
    case "change": self = .change(try Change(from: decoder))
    default: self = .proportion(try Proportion(from: decoder))
    }
  }
}

extension EndpointResult {
  /// Path of the survival estimate at a horizon, as `CohortReportBuilder` names it.
  public static func survivalPath(_ code: String, _ day: Int) -> String {
    "endpoints.\(code).points.\(day).survival"
  }
  /// Path of a proportion's rate.
  public static func ratePath(_ code: String) -> String { "endpoints.\(code).rate" }
  /// Path of a change's mean.
  public static func meanPath(_ code: String) -> String { "endpoints.\(code).mean" }
}
