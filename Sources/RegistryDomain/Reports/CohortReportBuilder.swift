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
/// at risk or number of events so far is). Zero is never suppressed. Then complementary
/// suppression (`ComplementarySuppression`) withholds further counts (listed in `suppressed`
/// and in `complementary`) so that no suppressed count can be recovered from a printed total
/// through the identities of `disclosureLines(_:)`.
///
/// Registering a new count: read it through `Suppressor.count(_:_:)` with its path (that gives
/// primary suppression and makes it a cell), and add a `DisclosureLine` to
/// `disclosureLines(_:)` for every printed sum it takes part in.
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
  /// Whether synthetic patients were left out of the aggregates (reported as such).
  public var excludeSynthetic = false

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

  /// Suppresses small counts and the counts a plan withholds, remembering their paths; and
  /// records every count it reads (the cells of disclosure control).
  struct Suppressor {
    let minCell: Int
    /// Paths withheld by complementary suppression in this scope.
    var withheld: Set<String> = []
    var paths: [String] = []
    var complementary: [String] = []
    /// Every count read, in order: path and value.
    var cells: [(path: String, value: Int)] = []

    func hides(_ value: Int) -> Bool { value >= 1 && value < minCell }

    mutating func count(_ value: Int, _ path: String) -> Int? {
      cells.append((path, value))
      if hides(value) {
        paths.append(path)
        return nil
      }
      if withheld.contains(path) {
        paths.append(path)
        complementary.append(path)
        return nil
      }
      return value
    }
  }

  /// The report, with primary and complementary suppression.
  public func build(_ data: CohortAggregates) throws -> CohortReport {
    guard minCell > 1 else { return try build(data, plan: SuppressionPlan()) }
    return try build(data, plan: try suppressionPlan(data))
  }

  /// The suppression plan of the report: its counts read without suppression, the lines of
  /// `disclosureLines(_:)` over them, and `ComplementarySuppression.plan`.
  public func suppressionPlan(_ data: CohortAggregates) throws -> SuppressionPlan {
    let open = CohortReportBuilder(
      trial: trial, asOf: asOf, groupBy: groupBy, ciMethod: ciMethod, minCell: 0, site: site)
    var order: [DisclosureCell] = []
    var values: [DisclosureCell: Int] = [:]
    let report = try open.assemble(data, withheld: [:]) { scope, cells in
      for (path, value) in cells {
        let cell = DisclosureCell(scope, path)
        if values.updateValue(value, forKey: cell) == nil { order.append(cell) }
      }
    }
    return ComplementarySuppression.plan(
      values: values, lines: Self.disclosureLines(report), minCell: minCell, order: order)
  }

  /// The report under a suppression plan.
  public func build(_ data: CohortAggregates, plan: SuppressionPlan) throws -> CohortReport {
    var withheld: [String: Set<String>] = [:]
    for cell in plan.complementary { withheld[cell.scope, default: []].insert(cell.path) }
    return try assemble(data, withheld: withheld) { _, _ in }
  }

  /// Every identity among the counts of a report (built without suppression) that a reader
  /// could use to recover a withheld count: the flow, totals against groups, rows against
  /// their parts. A new printed sum must be added here.
  public static func disclosureLines(_ r: CohortReport) -> [DisclosureLine] {
    func flow(_ path: String) -> DisclosureCell { DisclosureCell("", "flow.\(path)") }
    var lines: [DisclosureLine] = [
      // Screened = failed + eligible; eligible candidates are the enrolled ones (dropped as
      // inexact when a screening and its enrollment fall on either side of the cut-off).
      DisclosureLine(total: flow("screened"), parts: [flow("screen_failed"), flow("enrolled")]),
      DisclosureLine(total: flow("analysed"), parts: [flow("enrolled")]),
      DisclosureLine(
        total: flow("enrolled"),
        parts: r.flow.allocated.keys.sorted().map { flow("allocated.\($0)") }),
    ]
    // Totals of the flow against the groups (every enrolled patient is in one group).
    for path in ["enrolled", "treated", "withdrawn"] {
      lines.append(
        DisclosureLine(
          total: flow(path), parts: r.groups.map { DisclosureCell($0.group, path) }))
    }
    for g in r.groups {
      let cell = { (path: String) in DisclosureCell(g.group, path) }
      if r.groupBy == .arm, r.flow.allocated[g.group] != nil {
        lines.append(DisclosureLine(total: flow("allocated.\(g.group)"), parts: [cell("enrolled")]))
      }
      lines.append(
        DisclosureLine(
          total: cell("adverse_events.patients_any"),
          parts: (1...5).map { cell("adverse_events.worst_grade.\($0)") }))
      for e in g.endpoints {
        let path = "endpoints.\(e.code)"
        switch e {
        case .survival:
          lines.append(DisclosureLine(total: cell("enrolled"), parts: [cell("\(path).patients")]))
        case .proportion(let p):
          if p.complete != nil {
            lines.append(
              DisclosureLine(
                total: cell("\(path).responders"),
                parts: [cell("\(path).complete"), cell("\(path).partial")]))
          }
        case .change:
          break
        }
      }
    }
    return lines
  }

  /// Builds the report withholding `withheld` paths per scope (`""`: the flow) besides small
  /// counts; `cells` receives each scope's counts as read.
  func assemble(
    _ data: CohortAggregates, withheld: [String: Set<String>],
    cells: (String, [(path: String, value: Int)]) -> Void
  ) throws -> CohortReport {
    var flowSuppressor = Suppressor(minCell: minCell, withheld: withheld[""] ?? [])
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
      var s = Suppressor(minCell: minCell, withheld: withheld[label] ?? [])
      groups.append(try group(label, data, &s))
      cells(label, s.cells)
    }
    cells("", flowSuppressor.cells)
    var report = CohortReport(
      protocol: .init(
        code: trial.code, version: trial.version, condition: trial.condition.rawValue,
        title: trial.title),
      asOf: asOf, groupBy: groupBy, ciMethod: ciMethod, minCell: minCell, site: site, flow: flow,
      groups: groups, suppressed: flowSuppressor.paths.sorted())
    report.complementary = flowSuppressor.complementary.sorted()
    report.syntheticIncluded = data.syntheticPatients > 0
    report.syntheticExcluded = excludeSynthetic
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

  func group(_ label: String, _ data: CohortAggregates, _ s: inout Suppressor) throws
    -> CohortReport.Group
  {
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
    var group = CohortReport.Group(
      group: label, enrolled: s.count(c.enrolled, "enrolled"),
      treated: s.count(c.treated, "treated"), withdrawn: s.count(c.withdrawn, "withdrawn"),
      died: s.count(c.died, "died"), transplanted: s.count(c.transplanted, "transplanted"),
      endpoints: endpoints, adverseEvents: summary, suppressed: s.paths)
    group.complementary = s.complementary
    return group
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
    // A small group shows no estimate; a group whose size or event count is withheld (also
    // as a complement) draws no curve, which would show both.
    let groupHidden = s.hides(total)
    let countsWithheld = result.patients == nil || result.eventsObserved == nil
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
    if !groupHidden && !countsWithheld && !(minCell > 1 && horizonWithheld) {
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
