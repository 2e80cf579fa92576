import Foundation

/// Builds the cohort report from database aggregates: Kaplan–Meier (with estimability and the
/// median's CI), Wilson and t intervals, the MSC-versus-control log-rank test and Cox hazard
/// ratio, and `--min-cell` suppression (SPEC §6).
///
/// A survival estimate at a horizon that is not estimable (`KaplanMeierEstimate.isEstimable`)
/// is nil with `estimable` false, and is not a suppressed figure. Renal response rates are
/// responders / population (baseline UPCR at or above the threshold); SRI-4 rates responders /
/// patients.
///
/// Suppression: every count from 1 to `minCell − 1` becomes null, with its path in
/// `suppressed`; so does every figure built on such a count (a rate or interval whose
/// numerator or denominator is suppressed, a mean whose n is, a survival estimate whose number
/// at risk or number of events so far is). Zero is never suppressed.
public struct CohortReportBuilder: Sendable {
  /// The protocol reported.
  public let trial: TrialProtocol
  /// Cut-off date.
  public let asOf: CalendarDate
  /// Grouping.
  public let groupBy: CohortGrouping
  /// Survival interval method.
  public let ciMethod: SurvivalCIMethod
  /// Smallest count shown (0 or 1: nothing suppressed).
  public let minCell: Int
  /// Site restriction, if any.
  public let site: String?

  /// Creates a builder.
  public init(
    trial: TrialProtocol, asOf: CalendarDate, groupBy: CohortGrouping,
    ciMethod: SurvivalCIMethod, minCell: Int, site: String?
  ) {
    self.trial = trial
    self.asOf = asOf
    self.groupBy = groupBy
    self.ciMethod = ciMethod
    self.minCell = minCell
    self.site = site
  }

  /// Suppresses small counts, remembering their paths.
  struct Suppressor {
    let minCell: Int
    var paths: [String] = []

    func hides(_ value: Int) -> Bool { value >= 1 && value < minCell }

    mutating func count(_ value: Int, _ path: String) -> Int? {
      if hides(value) {
        paths.append(path)
        return nil
      }
      return value
    }
  }

  /// The report.
  public func build(_ data: CohortAggregates) throws -> CohortReport {
    var flowSuppressor = Suppressor(minCell: minCell)
    let f = data.flow
    var failures: [String: Int?] = [:]
    for (criterion, n) in f.failures {
      failures[criterion] = flowSuppressor.count(n, "flow.screen_failures.\(criterion)")
    }
    var allocated: [String: Int?] = [:]
    for (arm, n) in f.allocated {
      allocated[arm] = flowSuppressor.count(n, "flow.allocated.\(arm)")
    }
    let flow = CohortReport.Flow(
      screened: flowSuppressor.count(f.screened, "flow.screened"),
      screenFailed: flowSuppressor.count(f.screenFailed, "flow.screen_failed"),
      screenFailures: failures, enrolled: flowSuppressor.count(f.enrolled, "flow.enrolled"),
      allocated: allocated, treated: flowSuppressor.count(f.treated, "flow.treated"),
      withdrawn: flowSuppressor.count(f.withdrawn, "flow.withdrawn"),
      analysed: flowSuppressor.count(f.enrolled, "flow.analysed"))

    var groups: [CohortReport.Group] = []
    for label in data.groupOrder {
      groups.append(try group(label, data))
    }
    var report = CohortReport(
      protocol: .init(
        code: trial.code, version: trial.version, condition: trial.condition.rawValue,
        title: trial.title),
      asOf: asOf, groupBy: groupBy, ciMethod: ciMethod, minCell: minCell, site: site, flow: flow,
      groups: groups, suppressed: flowSuppressor.paths.sorted())
    report.comparisons = comparisons(data)
    return report
  }

  /// MSC versus control for each survival endpoint with arm data (see `SurvivalComparison`).
  func comparisons(_ data: CohortAggregates) -> [SurvivalComparison] {
    let mscArms = trial.arms.filter(\.receivesMSC).map(\.code)
    let controlArms = trial.arms.filter { !$0.receivesMSC }.map(\.code)
    guard !mscArms.isEmpty, !controlArms.isEmpty else { return [] }
    return trial.endpoints.filter { $0.kind == .survival }.map { endpoint in
      let arms = data.armSurvival[endpoint.code] ?? .init()
      var observations: [SurvivalComparisonObservation] = []
      for (counts, treated) in [(arms.treated, true), (arms.control, false)] {
        for c in counts {
          for _ in 0..<c.patients {
            observations.append(
              SurvivalComparisonObservation(time: Double(c.day), event: c.event, treated: treated))
          }
        }
      }
      return SurvivalComparison(
        endpoint: endpoint.code, mscArms: mscArms, controlArms: controlArms,
        observations: observations)
    }
  }

  func group(_ label: String, _ data: CohortAggregates) throws -> CohortReport.Group {
    var s = Suppressor(minCell: minCell)
    let c = data.counts[label] ?? .init()
    var endpoints: [EndpointResult] = []
    for endpoint in trial.endpoints {
      switch endpoint.kind {
      case .survival:
        let counts = data.survival[endpoint.code]?[label] ?? []
        endpoints.append(.survival(try survival(endpoint, counts, &s)))
      case .sri4, .renalResponse:
        let p = data.proportions[endpoint.code]?[label] ?? .init()
        endpoints.append(.proportion(proportion(endpoint, p, &s)))
      case .change:
        let stats = data.changes[endpoint.code]?[label] ?? .init()
        endpoints.append(.change(change(endpoint, stats, &s)))
      }
    }
    let ae = data.adverseEvents[label] ?? .init()
    var worst: [String: Int?] = [:]
    for grade in 1...5 {
      worst[String(grade)] = s.count(
        ae.worstGrade[grade] ?? 0, "adverse_events.worst_grade.\(grade)")
    }
    func relatedness(_ r: CohortAggregates.RelatednessCounts, _ name: String)
      -> CohortReport.RelatednessSummary
    {
      let path = "adverse_events.\(name)"
      return .init(
        patients: s.count(r.patients, "\(path).patients"),
        patientsSerious: s.count(r.patientsSerious, "\(path).patients_serious"),
        events: s.count(r.events, "\(path).events"),
        eventsSerious: s.count(r.eventsSerious, "\(path).events_serious"))
    }
    let summary = CohortReport.AdverseEventSummary(
      patientsAny: s.count(ae.patientsAny, "adverse_events.patients_any"),
      patientsSerious: s.count(ae.patientsSerious, "adverse_events.patients_serious"),
      worstGrade: worst, related: relatedness(ae.related, "related"),
      unrelated: relatedness(ae.unrelated, "unrelated"))
    return CohortReport.Group(
      group: label, enrolled: s.count(c.enrolled, "enrolled"),
      treated: s.count(c.treated, "treated"), withdrawn: s.count(c.withdrawn, "withdrawn"),
      died: s.count(c.died, "died"), transplanted: s.count(c.transplanted, "transplanted"),
      endpoints: endpoints, adverseEvents: summary, suppressed: s.paths)
  }

  func survival(
    _ endpoint: ProtocolEndpoint, _ counts: [CohortAggregates.SurvivalCount], _ s: inout Suppressor
  ) throws -> EndpointResult.Survival {
    var observations: [SurvivalObservation] = []
    observations.reserveCapacity(counts.reduce(0) { $0 + $1.patients })
    for c in counts {
      for _ in 0..<c.patients {
        observations.append(SurvivalObservation(time: Double(c.day), event: c.event))
      }
    }
    let path = "endpoints.\(endpoint.code)"
    let total = observations.count
    let events = observations.filter(\.event).count
    var result = EndpointResult.Survival(
      code: endpoint.code, events: endpoint.events.map(\.rawValue), points: [],
      medianDays: nil, patients: s.count(total, "\(path).patients"),
      eventsObserved: s.count(events, "\(path).events_observed"))
    guard total > 0 else {
      result.points = endpoint.horizonsDays.map { .init(day: $0, atRisk: 0, estimable: false) }
      return result
    }
    let km = try KaplanMeierEstimate(observations)
    let groupHidden = s.hides(total)
    for day in endpoint.horizonsDays {
      let point = km.point(at: Double(day), method: ciMethod)
      let atRisk = km.atRisk(at: Double(day))
      let eventsSoFar = counts.filter { $0.event && $0.day <= day }.reduce(0) { $0 + $1.patients }
      var p = EndpointResult.Survival.Point(day: day)
      p.atRisk = s.count(atRisk, "\(path).points.\(day).at_risk")
      p.estimable = km.isEstimable(at: Double(day))
      if !p.estimable {
        // Not estimable: nothing to show or to withhold.
      } else if groupHidden || s.hides(eventsSoFar) || p.atRisk == nil {
        if point != nil { s.paths.append(EndpointResult.survivalPath(endpoint.code, day)) }
      } else if let point {
        p.survival = point.survival
        p.ciLow = point.ciLow
        p.ciHigh = point.ciHigh
      }
      result.points.append(p)
    }
    // A curve shows every step, so with suppression on it is drawn only when no horizon
    // estimate of the group was withheld (the renderer also cuts it where fewer than
    // `minCell` patients remain at risk).
    let horizonWithheld = result.points.contains { $0.survival == nil }
    if !groupHidden && !s.hides(events) && !(minCell > 1 && horizonWithheld) {
      result.medianDays = km.medianSurvival
      if result.medianDays != nil {
        let interval = km.medianInterval(method: ciMethod)
        result.medianCILow = interval.low
        result.medianCIHigh = interval.high
      }
      result.curve = km.curve(method: ciMethod).map {
        .init(
          day: $0.time, survival: $0.survival, ciLow: $0.ciLow, ciHigh: $0.ciHigh,
          atRisk: $0.atRisk, censored: $0.censored)
      }
    }
    return result
  }

  func proportion(
    _ endpoint: ProtocolEndpoint, _ p: CohortAggregates.ProportionCounts, _ s: inout Suppressor
  ) -> EndpointResult.Proportion {
    let path = "endpoints.\(endpoint.code)"
    let isRenal = endpoint.kind == .renalResponse
    var result = EndpointResult.Proportion(
      code: endpoint.code, kind: endpoint.kind.rawValue, visit: endpoint.visit ?? "",
      responders: s.count(p.responders, "\(path).responders"),
      patients: s.count(p.patients, "\(path).patients"),
      population: isRenal ? s.count(p.population, "\(path).population") : nil,
      populationUPCRMin: isRenal ? endpoint.renalPopulationUPCRMin : nil,
      complete: isRenal ? s.count(p.complete, "\(path).complete") : nil,
      partial: isRenal ? s.count(p.partial, "\(path).partial") : nil,
      missing: s.count(p.missing, "\(path).missing"))
    // The rate's denominator: the population (renal response) or every patient due (SRI-4).
    let denominator = isRenal ? result.population : result.patients
    let trials = isRenal ? p.population : p.patients
    if result.responders != nil, denominator != nil,
      let w = WilsonInterval(successes: p.responders, trials: trials)
    {
      result.rate = w.estimate
      result.ciLow = w.low
      result.ciHigh = w.high
    } else if trials > 0 {
      s.paths.append(EndpointResult.ratePath(endpoint.code))
    }
    return result
  }

  func change(
    _ endpoint: ProtocolEndpoint, _ stats: CohortAggregates.ChangeStats, _ s: inout Suppressor
  ) -> EndpointResult.Change {
    let path = "endpoints.\(endpoint.code)"
    var result = EndpointResult.Change(
      measure: endpoint.measure?.rawValue ?? "", visit: endpoint.visit ?? "", code: endpoint.code)
    result.n = s.count(stats.n, "\(path).n")
    guard result.n != nil else {
      s.paths.append(EndpointResult.meanPath(endpoint.code))
      return result
    }
    result.mean = stats.mean
    result.sd = stats.sd
    if stats.n >= 2, let mean = stats.mean, let sd = stats.sd {
      let t = StudentT.quantile(0.975, degreesOfFreedom: Double(stats.n - 1))
      let half = t * sd / Double(stats.n).squareRoot()
      result.ciLow = mean - half
      result.ciHigh = mean + half
    }
    return result
  }
}

extension EndpointResult.Change {
  init(measure: String, visit: String, code: String) {
    self.init(code: code, measure: measure, visit: visit)
  }
}
