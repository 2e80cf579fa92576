import PostgresClient
import RegistryDomain

/// The cohort report's SQL: every count, sum and survival tally is computed by PostgreSQL
/// (aggregates over a per-patient cohort table); Swift only turns them into statistics.
///
/// The whole report is ONE read-only statement (`ReportStatement`): the per-patient cohort and
/// the visits it reads are `MATERIALIZED` common table expressions computed once, and every
/// count is a further expression over them, so the figures come from one snapshot and nothing
/// is written (no temporary table): the report runs on a hot standby. Voided records and
/// records dated after `asOf` are left out everywhere.
public struct CohortReportRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Assessment columns that a `change` endpoint may read (the protocol's `Measure` codes).
  static let measureColumns: Set<String> = [
    "sledai_2k", "eular_acr_2019", "pga", "meld", "meld_na", "meld_3", "child_pugh", "bilirubin",
    "creatinine", "inr", "sodium", "albumin", "upcr", "c3", "c4", "anti_dsdna",
  ]

  /// Computes the aggregates of a cohort report; `excludeSynthetic` leaves out the patients
  /// and screenings of synthetic cohorts (`demo seed`).
  public func aggregates(
    trial: TrialProtocol, asOf: CalendarDate, site: String?, groupBy: CohortGrouping,
    excludeSynthetic: Bool = false
  ) throws -> CohortAggregates {
    try store.mapped {
      var statement = ReportStatement()
      cohort(
        &statement, trial: trial, asOf: asOf, site: site, groupBy: groupBy,
        excludeSynthetic: excludeSynthetic)
      try visits(&statement, trial: trial, asOf: asOf)
      let counts = statement.part(Self.countsSQL)
      let synthetic = statement.part(
        "SELECT count(*) FILTER (WHERE synthetic)::int AS n FROM report_cohort")
      let baseline = trial.baselineVisit?.code
      let mscArms = trial.arms.filter(\.receivesMSC).map(\.code)
      var endpointParts: [(ProtocolEndpoint, Int, Int?)] = []
      for endpoint in trial.endpoints {
        switch endpoint.kind {
        case .survival:
          let all = statement.part(survivalSQL, survivalParameters(endpoint, asOf, nil))
          var byArm: Int?
          if !mscArms.isEmpty && mscArms.count < trial.arms.count {
            byArm = statement.part(survivalSQL, survivalParameters(endpoint, asOf, mscArms))
          }
          endpointParts.append((endpoint, all, byArm))
        case .sri4, .renalResponse:
          guard let baseline, let visit = endpoint.visit.flatMap(trial.visit(code:)) else {
            continue
          }
          let (sql, parameters) = responderSQL(
            endpoint: endpoint, baseline: baseline, visit: visit, asOf: asOf)
          endpointParts.append(
            (endpoint, statement.part(sql + Self.proportionSQL, parameters), nil))
        case .change:
          guard let baseline, let visit = endpoint.visit, let measure = endpoint.measure else {
            continue
          }
          endpointParts.append(
            (endpoint, statement.part(try changeSQL(measure.rawValue), [baseline, visit]), nil))
        }
      }
      let worst = statement.part(Self.worstAESQL, [asOf])
      let related = statement.part(Self.relatedAESQL, [asOf])
      let flowParts = flowParts(
        &statement, trial: trial, asOf: asOf, site: site, excludeSynthetic: excludeSynthetic)

      let results = try statement.run(store.connection)
      var data = CohortAggregates()
      for row in results[counts] {
        var c = CohortAggregates.GroupCounts()
        c.enrolled = try row.int("enrolled")
        c.treated = try row.int("treated")
        c.withdrawn = try row.int("withdrawn")
        c.died = try row.int("died")
        c.transplanted = try row.int("transplanted")
        data.counts[try row.text("grp")] = c
      }
      data.syntheticPatients = try results[synthetic].first?.int("n") ?? 0
      data.groupOrder = groupOrder(
        trial: trial, groupBy: groupBy, present: Array(data.counts.keys))
      for (endpoint, part, byArm) in endpointParts {
        switch endpoint.kind {
        case .survival:
          data.survival[endpoint.code] = try survival(results[part])
          if let byArm {
            let split = try survival(results[byArm])
            var arms = CohortAggregates.ArmSurvival()
            arms.treated = split["true"] ?? []
            arms.control = split["false"] ?? []
            data.armSurvival[endpoint.code] = arms
          }
        case .sri4, .renalResponse:
          data.proportions[endpoint.code] = try proportion(results[part])
        case .change:
          data.changes[endpoint.code] = try change(results[part])
        }
      }
      data.adverseEvents = try adverseEvents(worst: results[worst], related: results[related])
      data.flow = try flow(results, parts: flowParts, trial: trial)
      return data
    }
  }

  /// One row per patient of the protocol enrolled on or before `asOf`: group label, first
  /// infusion, last contact and statuses as of the cut-off.
  func cohort(
    _ statement: inout ReportStatement, trial: TrialProtocol, asOf: CalendarDate, site: String?,
    groupBy: CohortGrouping, excludeSynthetic: Bool
  ) {
    let doseLabels =
      [DoseBand.label(dosePerKg: nil)]
      + ([0.0] + DoseBand.edges).map { DoseBand.label(dosePerKg: $0) }
    statement.materialize(
      "report_cohort",
      """
      WITH pts AS (
        SELECT p.study_id, p.site_code, p.arm, p.enrolled_on, p.status, p.status_on, p.synthetic
        FROM registry.patient p
        WHERE p.protocol_code = $1 AND p.enrolled_on <= $2 AND ($3::text IS NULL OR p.site_code = $3)
          AND NOT ($7::bool AND p.synthetic)
      ), first_infusion AS (
        -- Only grouping by lot source or dose needs the first infusion's lot and dose.
        SELECT DISTINCT ON (i.study_id) i.study_id, i.dose_per_kg, i.total_cells, i.weight_kg,
               l.source
        FROM registry.infusion i
        JOIN registry.msc_lot l ON l.lot_number = i.lot_number
        WHERE $4 IN ('source', 'dose') AND i.voided_at IS NULL AND i.infused_on <= $2
        ORDER BY i.study_id, i.infused_on, i.id
      ), assessed AS (
        SELECT study_id, max(assessed_on) AS day FROM registry.assessment
        WHERE voided_at IS NULL AND assessed_on <= $2 GROUP BY study_id
      ), infused AS (
        SELECT study_id, max(infused_on) AS day FROM registry.infusion
        WHERE voided_at IS NULL AND infused_on <= $2 GROUP BY study_id
      ), adverse AS (
        SELECT study_id, max(CASE WHEN resolved_on <= $2 THEN resolved_on ELSE onset_on END) AS day
        FROM registry.adverse_event WHERE voided_at IS NULL AND onset_on <= $2 GROUP BY study_id
      ), events AS (
        SELECT study_id, max(occurred_on) AS day,
               bool_or(kind = 'death') AS died, bool_or(kind = 'liver_transplant') AS transplanted
        FROM registry.clinical_event WHERE voided_at IS NULL AND occurred_on <= $2 GROUP BY study_id
      ), withdrawals AS (
        SELECT study_id, max(withdrawn_on) AS day FROM registry.consent
        WHERE withdrawn_on <= $2 GROUP BY study_id
      )
      SELECT pts.study_id, pts.arm, pts.enrolled_on, pts.synthetic,
             CASE $4
               WHEN 'arm' THEN pts.arm
               WHEN 'site' THEN pts.site_code
               WHEN 'source' THEN coalesce(fi.source, 'none')
               -- Dose bands exactly (DoseBand, DosePerKg): edges reached by cells ≥ edge × weight
               -- in numeric, lower edges inclusive; never a binary quotient.
               ELSE ($5::text[])[CASE WHEN fi.dose_per_kg IS NULL THEN 1
                                      ELSE 2 + (SELECT count(*)::int FROM unnest($6::float8[]) AS e(edge)
                                                WHERE fi.total_cells::numeric
                                                      >= e.edge::numeric * fi.weight_kg::numeric) END]
             END AS grp,
             infused.day IS NOT NULL AS treated,
             -- Last contact: the latest dated record of any kind (greatest ignores NULLs).
             greatest(pts.enrolled_on, assessed.day, infused.day, adverse.day, events.day,
                      withdrawals.day) AS last_contact,
             coalesce(events.died, false) AS died,
             coalesce(events.transplanted, false) AS transplanted,
             (withdrawals.day IS NOT NULL OR (pts.status = 'withdrawn' AND pts.status_on <= $2)) AS withdrawn
      FROM pts
      LEFT JOIN first_infusion fi ON fi.study_id = pts.study_id
      LEFT JOIN assessed ON assessed.study_id = pts.study_id
      LEFT JOIN infused ON infused.study_id = pts.study_id
      LEFT JOIN adverse ON adverse.study_id = pts.study_id
      LEFT JOIN events ON events.study_id = pts.study_id
      LEFT JOIN withdrawals ON withdrawals.study_id = pts.study_id
      """,
      [
        trial.code, asOf, site, groupBy.rawValue, PostgresArray(doseLabels),
        PostgresArray(DoseBand.edges), excludeSynthetic,
      ])
  }

  /// The cohort's live assessments at the baseline and every endpoint visit, with the columns
  /// the endpoints read: one pass over the assessment table for all endpoints.
  func visits(_ statement: inout ReportStatement, trial: TrialProtocol, asOf: CalendarDate)
    throws
  {
    var visits = Set(trial.endpoints.compactMap(\.visit))
    if let baseline = trial.baselineVisit?.code { visits.insert(baseline) }
    var columns: Set<String> = ["sledai_2k", "pga", "bilag", "upcr", "creatinine"]
    for endpoint in trial.endpoints {
      if let measure = endpoint.measure?.rawValue {
        guard Self.measureColumns.contains(measure) else {
          throw RegistryError(.internal, field: "measure", "no assessment column for \(measure)")
        }
        columns.insert(measure)
      }
    }
    statement.materialize(
      "report_visits",
      """
      SELECT a.study_id, a.visit_code, \(columns.sorted().map { "a.\($0)" }.joined(separator: ", "))
      FROM registry.assessment a JOIN report_cohort c ON c.study_id = a.study_id
      WHERE a.voided_at IS NULL AND a.assessed_on <= $1 AND a.visit_code = ANY($2::text[])
      """, [asOf, PostgresArray(visits.sorted())])
  }

  func groupOrder(trial: TrialProtocol, groupBy: CohortGrouping, present: [String]) -> [String] {
    switch groupBy {
    case .arm:
      let arms = trial.arms.map(\.code)
      return arms + present.filter { !arms.contains($0) }.sorted()
    case .dose:
      let bands = ([0.0] + DoseBand.edges).map { DoseBand.label(dosePerKg: $0) } + ["none"]
      return bands.filter(present.contains)
    default:
      return present.sorted()
    }
  }

  static let countsSQL = """
    SELECT grp, count(*)::int AS enrolled, count(*) FILTER (WHERE treated)::int AS treated,
           count(*) FILTER (WHERE withdrawn)::int AS withdrawn,
           count(*) FILTER (WHERE died)::int AS died,
           count(*) FILTER (WHERE transplanted)::int AS transplanted
    FROM report_cohort GROUP BY grp
    """

  /// Per group, patients leaving the risk set per day: at the first endpoint event, or
  /// censored at the last contact. With `mscArms`, keyed `true` (patients of those arms) and
  /// `false` (the other arms) instead of by group, for the two-arm comparison.
  let survivalSQL = """
    SELECT CASE WHEN $3::text[] IS NULL THEN c.grp
                ELSE (c.arm = ANY($3::text[]))::text END AS grp,
           (coalesce(e.day, c.last_contact) - c.enrolled_on) AS day,
           e.day IS NOT NULL AS event, count(*)::int AS patients
    FROM report_cohort c
    LEFT JOIN (
      SELECT study_id, min(occurred_on) AS day FROM registry.clinical_event
      WHERE voided_at IS NULL AND occurred_on <= $1 AND kind = ANY($2::text[])
      GROUP BY study_id
    ) e ON e.study_id = c.study_id
    GROUP BY 1, 2, 3
    """

  func survivalParameters(_ endpoint: ProtocolEndpoint, _ asOf: CalendarDate, _ mscArms: [String]?)
    -> [any PostgresEncodable]
  {
    [asOf, PostgresArray(endpoint.events.map(\.rawValue)), mscArms.map(PostgresArray.init)]
  }

  func survival(_ rows: [ReportRow]) throws -> [String: [CohortAggregates.SurvivalCount]] {
    var result: [String: [CohortAggregates.SurvivalCount]] = [:]
    let sorted = try rows.map {
      (
        grp: try $0.text("grp"), day: try $0.int("day"), event: try $0.bool("event"),
        patients: try $0.int("patients")
      )
    }.sorted { ($0.grp, $0.day, $0.event ? 1 : 0) < ($1.grp, $1.day, $1.event ? 1 : 0) }
    for row in sorted {
      result[row.grp, default: []].append(
        .init(day: row.day, event: row.event, patients: row.patients))
    }
    return result
  }

  /// SRI-4 or renal response at a visit against baseline, per group: counts of the per-patient
  /// statuses of `responderSQL` (see `CohortAggregates.ProportionCounts`), appended to it.
  static let proportionSQL = """
    SELECT grp, count(*) FILTER (WHERE due)::int AS patients,
           count(*) FILTER (WHERE status IN ('responder', 'non_responder', 'missing'))::int
             AS population,
           count(*) FILTER (WHERE status = 'responder')::int AS responders,
           count(*) FILTER (WHERE status = 'responder' AND complete)::int AS complete,
           count(*) FILTER (WHERE status = 'responder' AND NOT complete)::int AS partial,
           count(*) FILTER (WHERE status = 'missing')::int AS missing
    FROM r GROUP BY grp
    """

  func proportion(_ rows: [ReportRow]) throws -> [String: CohortAggregates.ProportionCounts] {
    var result: [String: CohortAggregates.ProportionCounts] = [:]
    for row in rows {
      var p = CohortAggregates.ProportionCounts()
      p.patients = try row.int("patients")
      p.population = try row.int("population")
      p.responders = try row.int("responders")
      p.complete = try row.int("complete")
      p.partial = try row.int("partial")
      p.missing = try row.int("missing")
      result[try row.text("grp")] = p
    }
    return result
  }

  /// The per-patient classification behind a responder endpoint: a `WITH … r AS (…)` prefix
  /// whose `r` has one row per cohort patient with `study_id`, `grp`, `due` (counted in
  /// `patients`), `status` (a `ResponderStatus` raw value) and `complete` (renal only).
  ///
  /// The rules are those of `SRI4.status` and `RenalResponse.status` of the domain, and are
  /// cross-checked against them patient by patient in the tests:
  /// - SRI-4: a live death on or before the window's last day → non-responder; no visit →
  ///   missing once the window has closed (else not due); no baseline → non-responder; BILAG
  ///   graded at the visit but not at baseline → missing; else SLEDAI-2K reduced ≥ 4, PGA
  ///   worsened < 0.3, and where both visits have BILAG no new A and at most one new B.
  /// - Renal (KDIGO 2024): baseline UPCR missing or below the population threshold → outside;
  ///   no visit → missing once the window has closed; visit or baseline creatinine or visit UPCR
  ///   missing → missing; creatinine ≤ 1.15 × baseline and (UPCR < 0.5, complete; or reduced
  ///   ≥ 50% and < 3 g/g, partial) → responder; else non-responder.
  func responderSQL(
    endpoint: ProtocolEndpoint, baseline: String, visit: ScheduledVisit, asOf: CalendarDate
  ) -> (String, [any PostgresEncodable]) {
    let status: String
    let complete: String
    let due: String
    if endpoint.kind == .sri4 {
      complete = "false"
      due = "seen OR closed OR died"
      status = """
        CASE
          WHEN died THEN 'non_responder'
          WHEN NOT seen THEN CASE WHEN closed THEN 'missing' ELSE 'not_due' END
          WHEN b.study_id IS NULL THEN 'non_responder'
          WHEN b.bilag IS NULL AND v.bilag IS NOT NULL THEN 'missing'
          WHEN coalesce(b.sledai_2k - v.sledai_2k >= 4 AND v.pga - b.pga < 0.3
            AND (b.bilag IS NULL OR v.bilag IS NULL OR (
              (SELECT count(*) FROM jsonb_each_text(v.bilag) g
                WHERE g.value = 'A' AND coalesce(b.bilag ->> g.key, '') <> 'A') = 0
              AND (SELECT count(*) FROM jsonb_each_text(v.bilag) g
                WHERE g.value = 'B' AND coalesce(b.bilag ->> g.key, '') NOT IN ('A', 'B')) <= 1)),
            false) THEN 'responder'
          ELSE 'non_responder'
        END
        """
    } else {
      complete = "coalesce(v.upcr < 0.5, false)"
      due = "seen OR closed"
      status = """
        CASE
          WHEN b.upcr IS NULL OR b.upcr < upcr_min THEN 'outside_population'
          WHEN NOT seen THEN CASE WHEN closed THEN 'missing' ELSE 'not_due' END
          WHEN v.upcr IS NULL OR v.creatinine IS NULL OR b.creatinine IS NULL
            OR NOT b.creatinine > 0 THEN 'missing'
          WHEN round(((v.creatinine - b.creatinine) / b.creatinine)::numeric, 9) <= 0.15
            AND (v.upcr < 0.5
              OR (v.upcr < 3 AND round(((b.upcr - v.upcr) / b.upcr)::numeric, 9) >= 0.5))
            THEN 'responder'
          ELSE 'non_responder'
        END
        """
    }
    let sql = """
      WITH b AS (
        SELECT study_id, sledai_2k, pga, bilag, upcr, creatinine FROM report_visits
        WHERE visit_code = $1
      ), v AS (
        SELECT study_id, sledai_2k, pga, bilag, upcr, creatinine FROM report_visits
        WHERE visit_code = $2
      ), d AS (
        SELECT study_id, min(occurred_on) AS day FROM registry.clinical_event
        WHERE voided_at IS NULL AND kind = 'death' AND occurred_on <= $3 GROUP BY study_id
      ), p AS (
        SELECT c.study_id, c.grp, b.study_id AS b_id, v.study_id IS NOT NULL AS seen,
               c.enrolled_on + $4::int < $3 AS closed,
               coalesce(d.day <= c.enrolled_on + $4::int, false) AS died,
               $5::float8 AS upcr_min
        FROM report_cohort c
        LEFT JOIN b ON b.study_id = c.study_id
        LEFT JOIN v ON v.study_id = c.study_id
        LEFT JOIN d ON d.study_id = c.study_id
      ), r AS (
        SELECT p.study_id, p.grp, (\(due)) AS due,
               (\(status)) AS status, (\(complete)) AS complete
        FROM p
        LEFT JOIN b ON b.study_id = p.study_id
        LEFT JOIN v ON v.study_id = p.study_id
      )
      """
    return (
      sql,
      [
        baseline, visit.code, asOf, visit.window.lastDay, endpoint.renalPopulationUPCRMin,
      ]
    )
  }

  /// Each cohort patient's status in a responder endpoint (study ID → `ResponderStatus` and,
  /// for renal response, whether the response is complete), computed by the same SQL as the
  /// report's counts, for audit and for the tests that hold it against the domain's rules.
  public func responderStatuses(
    trial: TrialProtocol, endpointCode: String, asOf: CalendarDate
  ) throws -> [String: (status: ResponderStatus, complete: Bool)] {
    guard let endpoint = trial.endpoint(code: endpointCode),
      endpoint.kind == .sri4 || endpoint.kind == .renalResponse,
      let baseline = trial.baselineVisit?.code,
      let visit = endpoint.visit.flatMap(trial.visit(code:))
    else {
      throw RegistryError.notFound("endpoint", "no responder endpoint \(endpointCode)")
    }
    return try store.mapped {
      var statement = ReportStatement()
      cohort(
        &statement, trial: trial, asOf: asOf, site: nil, groupBy: .arm, excludeSynthetic: false)
      try visits(&statement, trial: trial, asOf: asOf)
      let (sql, parameters) = responderSQL(
        endpoint: endpoint, baseline: baseline, visit: visit, asOf: asOf)
      let part = statement.part("\(sql) SELECT study_id, status, complete FROM r", parameters)
      var result: [String: (status: ResponderStatus, complete: Bool)] = [:]
      for row in try statement.run(store.connection)[part] {
        let text = try row.text("status")
        guard let status = ResponderStatus(rawValue: text) else {
          throw RegistryError(.internal, field: "status", "unknown responder status \(text)")
        }
        let complete = try row.bool("complete")
        result[try row.text("study_id")] = (status, status == .responder && complete)
      }
      return result
    }
  }

  /// Change of a measure from baseline to a visit: n, mean and sample SD per group (the
  /// floating-point figures as text, PostgreSQL's shortest exact form).
  func changeSQL(_ measure: String) throws -> String {
    guard Self.measureColumns.contains(measure) else {
      throw RegistryError(.internal, field: "measure", "no assessment column for \(measure)")
    }
    return """
      SELECT c.grp, count(*)::int AS n, avg((v.\(measure) - b.\(measure))::float8)::text AS mean,
             stddev_samp((v.\(measure) - b.\(measure))::float8)::text AS sd
      FROM report_cohort c
      JOIN report_visits b ON b.study_id = c.study_id AND b.visit_code = $1
        AND b.\(measure) IS NOT NULL
      JOIN report_visits v ON v.study_id = c.study_id AND v.visit_code = $2
        AND v.\(measure) IS NOT NULL
      GROUP BY c.grp
      """
  }

  func change(_ rows: [ReportRow]) throws -> [String: CohortAggregates.ChangeStats] {
    var result: [String: CohortAggregates.ChangeStats] = [:]
    for row in rows {
      result[try row.text("grp")] = .init(
        n: try row.int("n"), mean: try row.double("mean"), sd: try row.double("sd"))
    }
    return result
  }

  static let worstAESQL = """
    SELECT grp, worst, serious, count(*)::int AS patients FROM (
      SELECT c.grp, max(a.grade) AS worst, bool_or(a.serious IS NOT NULL) AS serious
      FROM report_cohort c JOIN registry.adverse_event a ON a.study_id = c.study_id
      WHERE a.voided_at IS NULL AND a.onset_on <= $1
      GROUP BY c.study_id, c.grp
    ) x GROUP BY 1, 2, 3
    """

  /// By relatedness to MSC (possible, probable, definite: related) and seriousness.
  static let relatedAESQL = """
    SELECT c.grp, a.relatedness IN ('possible', 'probable', 'definite') AS related,
           count(DISTINCT c.study_id)::int AS patients,
           count(DISTINCT c.study_id) FILTER (WHERE a.serious IS NOT NULL)::int AS patients_serious,
           count(*)::int AS events,
           count(*) FILTER (WHERE a.serious IS NOT NULL)::int AS events_serious
    FROM report_cohort c JOIN registry.adverse_event a ON a.study_id = c.study_id
    WHERE a.voided_at IS NULL AND a.onset_on <= $1
    GROUP BY 1, 2
    """

  func adverseEvents(worst: [ReportRow], related: [ReportRow]) throws -> [String:
    CohortAggregates.AECounts]
  {
    var result: [String: CohortAggregates.AECounts] = [:]
    for row in worst {
      let group = try row.text("grp")
      let n = try row.int("patients")
      var ae = result[group] ?? .init()
      ae.patientsAny += n
      if try row.bool("serious") { ae.patientsSerious += n }
      ae.worstGrade[try row.int("worst"), default: 0] += n
      result[group] = ae
    }
    for row in related {
      let group = try row.text("grp")
      var counts = CohortAggregates.RelatednessCounts()
      counts.patients = try row.int("patients")
      counts.patientsSerious = try row.int("patients_serious")
      counts.events = try row.int("events")
      counts.eventsSerious = try row.int("events_serious")
      var ae = result[group] ?? .init()
      if try row.bool("related") { ae.related = counts } else { ae.unrelated = counts }
      result[group] = ae
    }
    return result
  }

  /// The parts of the flow diagram: screening totals, failures by criterion, the cohort's
  /// totals and allocations by arm.
  struct FlowParts {
    let totals: Int, failures: Int, cohort: Int, allocated: Int
  }

  func flowParts(
    _ statement: inout ReportStatement, trial: TrialProtocol, asOf: CalendarDate, site: String?,
    excludeSynthetic: Bool
  ) -> FlowParts {
    let screening = """
      FROM registry.screening s JOIN registry.protocol pr ON pr.id = s.protocol_id
      WHERE pr.code = $1 AND s.screened_on <= $2 AND ($3::text IS NULL OR s.site_code = $3)
        AND NOT ($4::bool AND s.synthetic)
      """
    let parameters: [any PostgresEncodable] = [trial.code, asOf, site, excludeSynthetic]
    return FlowParts(
      totals: statement.part(
        "SELECT count(*)::int AS screened, count(*) FILTER (WHERE NOT eligible)::int AS failed \(screening)",
        parameters),
      failures: statement.part(
        """
        SELECT split_part(f.item, ':', 1) AS criterion, count(*)::int AS n
        \(screening.replacingOccurrences(of: "WHERE", with: ", jsonb_array_elements_text(s.failed_criteria) AS f(item) WHERE"))
        GROUP BY 1
        """, parameters),
      cohort: statement.part(
        """
        SELECT count(*)::int AS enrolled, count(*) FILTER (WHERE treated)::int AS treated,
               count(*) FILTER (WHERE withdrawn)::int AS withdrawn
        FROM report_cohort
        """),
      allocated: statement.part("SELECT arm, count(*)::int AS n FROM report_cohort GROUP BY arm"))
  }

  func flow(_ results: ReportStatement.Results, parts: FlowParts, trial: TrialProtocol) throws
    -> CohortAggregates.FlowCounts
  {
    var flow = CohortAggregates.FlowCounts()
    if let totals = results[parts.totals].first {
      flow.screened = try totals.int("screened")
      flow.screenFailed = try totals.int("failed")
    }
    for row in results[parts.failures] {
      flow.failures[try row.text("criterion")] = try row.int("n")
    }
    if let cohort = results[parts.cohort].first {
      flow.enrolled = try cohort.int("enrolled")
      flow.treated = try cohort.int("treated")
      flow.withdrawn = try cohort.int("withdrawn")
    }
    for arm in trial.arms { flow.allocated[arm.code] = 0 }
    for row in results[parts.allocated] {
      flow.allocated[try row.text("arm")] = try row.int("n")
    }
    return flow
  }
}
