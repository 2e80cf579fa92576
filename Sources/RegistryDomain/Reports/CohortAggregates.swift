/// What the database computes for a cohort report: counts and sums per group, never per
/// patient (survival comes as counts per day and outcome). `CohortReportBuilder` turns these
/// into statistics.
public struct CohortAggregates: Sendable, Equatable {
  /// Patients of synthetic cohorts (`demo seed`) among the cohort's patients.
  public var syntheticPatients = 0
  /// Per-group status counts.
  public struct GroupCounts: Sendable, Equatable {
    public var enrolled = 0, treated = 0, withdrawn = 0, died = 0, transplanted = 0
    /// Zero counts.
    public init() {}
  }

  /// Patients leaving the risk set on one day, by outcome.
  public struct SurvivalCount: Sendable, Equatable {
    /// Days since enrollment.
    public var day: Int
    /// Whether they had an endpoint event (else censored at last contact).
    public var event: Bool
    /// How many patients.
    public var patients: Int
    /// Creates a count.
    public init(day: Int, event: Bool, patients: Int) {
      self.day = day
      self.event = event
      self.patients = patients
    }
  }

  /// Numerator and denominator of a responder endpoint.
  ///
  /// `patients`: patients of the group due at the visit (visit recorded, window closed, or
  /// for SRI-4 died before it closed); `population`: those of them in the endpoint's
  /// population (renal response: baseline UPCR at or above the threshold; SRI-4: all), the
  /// rate's denominator; `missing`: population patients counted as non-responders because the
  /// visit is missing or not evaluable.
  public struct ProportionCounts: Sendable, Equatable {
    public var responders = 0, patients = 0, population = 0, complete = 0, partial = 0
    public var missing = 0
    /// Zero counts.
    public init() {}
  }

  /// Adverse events of one relatedness class (patients with at least one such AE, and AEs).
  public struct RelatednessCounts: Sendable, Equatable {
    public var patients = 0, patientsSerious = 0, events = 0, eventsSerious = 0
    /// Zero counts.
    public init() {}
  }

  /// Sufficient statistics of a change from baseline.
  public struct ChangeStats: Sendable, Equatable {
    /// Patients with both values.
    public var n = 0
    /// Mean change (nil when n = 0).
    public var mean: Double?
    /// Sample SD (nil when n < 2).
    public var sd: Double?
    /// Creates stats.
    public init(n: Int = 0, mean: Double? = nil, sd: Double? = nil) {
      self.n = n
      self.mean = mean
      self.sd = sd
    }
  }

  /// Adverse-event counts of a group.
  public struct AECounts: Sendable, Equatable {
    public var patientsAny = 0, patientsSerious = 0
    /// Patients by worst grade 1…5.
    public var worstGrade: [Int: Int] = [:]
    /// AEs related to MSC (possible, probable, definite).
    public var related = RelatednessCounts()
    /// AEs not related to MSC (unrelated, unlikely).
    public var unrelated = RelatednessCounts()
    /// Zero counts.
    public init() {}
  }

  /// Survival counts of a two-arm comparison.
  public struct ArmSurvival: Sendable, Equatable {
    /// Patients of arms that receive MSC.
    public var treated: [SurvivalCount] = []
    /// Patients of arms that do not.
    public var control: [SurvivalCount] = []
    /// Empty counts.
    public init() {}
  }

  /// CONSORT flow counts.
  public struct FlowCounts: Sendable, Equatable {
    public var screened = 0, screenFailed = 0, enrolled = 0, treated = 0, withdrawn = 0
    /// Screen failures by criterion name.
    public var failures: [String: Int] = [:]
    /// Enrolled patients by arm.
    public var allocated: [String: Int] = [:]
    /// Zero counts.
    public init() {}
  }

  /// Group labels in display order.
  public var groupOrder: [String] = []
  /// Status counts by group.
  public var counts: [String: GroupCounts] = [:]
  /// Survival counts by endpoint code, then group.
  public var survival: [String: [String: [SurvivalCount]]] = [:]
  /// Survival counts of the MSC arms (`treated`) and the control arms, by endpoint code; only
  /// for protocols with both kinds of arm.
  public var armSurvival: [String: ArmSurvival] = [:]
  /// Responder counts by endpoint code, then group.
  public var proportions: [String: [String: ProportionCounts]] = [:]
  /// Change statistics by endpoint code, then group.
  public var changes: [String: [String: ChangeStats]] = [:]
  /// Adverse events by group.
  public var adverseEvents: [String: AECounts] = [:]
  /// Flow.
  public var flow = FlowCounts()

  /// Empty aggregates.
  public init() {}
}
