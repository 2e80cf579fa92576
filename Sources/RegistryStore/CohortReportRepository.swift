import PostgresClient
import RegistryDomain

/// The cohort report's SQL: every count, sum and survival tally is computed by PostgreSQL
/// (aggregates over a per-patient cohort table); Swift only turns them into statistics.
///
/// The whole report is ONE read-only statement (`ReportStatement`): the per-patient cohort is
/// a `MATERIALIZED` common table expression computed once. A patient's last contact, first
/// date of each clinical event and adverse-event tallies come from the patient's row of
/// `registry.patient_summary` (migration 0110, kept by triggers) when its latest record is on
/// or before the cut-off, else from grouping that patient's records (assessments, infusions,
/// adverse events, clinical events, consents) on or before it; the values of the visits the
/// endpoints read (one column per visit and measure) come from one join per visit. Every count
/// is a further aggregate over that one row per patient, so the planner never estimates a join
/// of two common table expressions, the figures come from one snapshot and nothing is written
/// (no temporary table): the report runs on a hot standby. Voided records and records dated
/// after `asOf` are left out everywhere.
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
      let visits = try Visits(trial)
      cohort(
        &statement, trial: trial, asOf: asOf, site: site, groupBy: groupBy,
        excludeSynthetic: excludeSynthetic, visits: visits)
      let counts = statement.part(Self.countsSQL)
      let synthetic = statement.part(
        "SELECT count(*) FILTER (WHERE synthetic)::int AS n FROM report_cohort")
      let baseline = trial.baselineVisit?.code
      let mscArms = trial.arms.filter(\.receivesMSC).map(\.code)
      var endpointParts: [(ProtocolEndpoint, Int, Int?)] = []
      for endpoint in trial.endpoints {
        switch endpoint.kind {
        case .survival:
          let all = statement.part(survivalSQL(endpoint, mscArms: nil))
          var byArm: Int?
          if !mscArms.isEmpty && mscArms.count < trial.arms.count {
            byArm = statement.part(survivalSQL(endpoint, mscArms: mscArms))
          }
          endpointParts.append((endpoint, all, byArm))
        case .sri4, .renalResponse:
          guard let baseline, let visit = endpoint.visit.flatMap(trial.visit(code:)) else {
            continue
          }
          let r = responderSQL(
            endpoint: endpoint, baseline: baseline, visit: visit, asOf: asOf, visits: visits)
          endpointParts.append((endpoint, statement.part(r + Self.proportionSQL), nil))
        case .change:
          guard let baseline, let visit = endpoint.visit, let measure = endpoint.measure else {
            continue
          }
          let sql = try changeSQL(measure.rawValue, baseline: baseline, visit: visit, visits)
          endpointParts.append((endpoint, statement.part(sql), nil))
        }
      }
      let worst = statement.part(Self.worstAESQL)
      let related = statement.part(Self.relatedAESQL)
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

  /// The visits the endpoints read (the baseline and every endpoint's visit) and the
  /// assessment columns read at them: the cohort carries one column per visit and column,
  /// `v<i>_<column>`, and `v<i>_seen` (a live assessment at the visit on or before the cut-off).
  struct Visits {
    /// Visit codes, sorted; a visit's index names its columns.
    let codes: [String]
    /// Assessment columns, sorted.
    let columns: [String]

    init(_ trial: TrialProtocol) throws {
      var visits = Set(trial.endpoints.compactMap(\.visit))
      if let baseline = trial.baselineVisit?.code { visits.insert(baseline) }
      // The responder endpoints' columns (`responderSQL`) only when the protocol has one.
      var wanted: Set<String> = []
      if trial.endpoints.contains(where: { $0.kind == .sri4 || $0.kind == .renalResponse }) {
        wanted = Set(CohortReportRepository.responderColumns)
      }
      for endpoint in trial.endpoints {
        if let measure = endpoint.measure?.rawValue {
          guard CohortReportRepository.measureColumns.contains(measure) else {
            throw RegistryError(.internal, field: "measure", "no assessment column for \(measure)")
          }
          wanted.insert(measure)
        }
      }
      codes = visits.sorted()
      columns = wanted.sorted()
    }

    /// The cohort's column of `column` at `visit` (`seen` for the visit's presence).
    func name(_ visit: String, _ column: String) -> String {
      "v\(codes.firstIndex(of: visit)!)_\(column)"
    }

    /// The visit columns as the cohort selects them: a visit's row is the patient's live
    /// assessment at the visit on or before the cut-off (`v<i>`, at most one: the unique index
    /// `assessment_one_per_visit`); `v<i>_seen` is NULL for a patient without any live
    /// assessment by then, as the grouping of the assessments it replaces gave.
    /// Each item comes with its leading comma.
    func selected(assessedDay: String) -> String {
      codes.indices.flatMap { i -> [String] in
        ["CASE WHEN \(assessedDay) IS NOT NULL THEN v\(i).study_id IS NOT NULL END AS v\(i)_seen"]
          + columns.map { "v\(i).\($0) AS v\(i)_\($0)" }
      }.map { ",\n             \($0)" }.joined()
    }

    /// One join per visit to its live assessments on or before the cut-off (read from the
    /// covering index `assessment_report_idx`).
    func joins(asOf: CalendarDate) -> PostgresQuery {
      PostgresQuery.joined(
        codes.enumerated().map { (i, code) -> PostgresQuery in
          let v = "v\(i)"
          return """
            LEFT JOIN registry.assessment \(unescaped: v) ON \(unescaped: v).study_id = pts.study_id
              AND \(unescaped: v).visit_code = \(code) AND \(unescaped: v).voided_at IS NULL
              AND \(unescaped: v).assessed_on <= \(asOf)
            """
        }, separator: "\n")
    }
  }
}

extension CohortReportRepository {
  /// One row per patient of the protocol enrolled on or before `asOf`: group label, first
  /// infusion, last contact, statuses and clinical events as of the cut-off, the values of the
  /// endpoints' visits (`Visits`) and the adverse-event tallies.
  func cohort(
    _ statement: inout ReportStatement, trial: TrialProtocol, asOf: CalendarDate, site: String?,
    groupBy: CohortGrouping, excludeSynthetic: Bool, visits: Visits
  ) {
    let group: PostgresQuery
    var firstInfusion: PostgresQuery = ""
    var firstInfusionJoin: PostgresQuery = ""
    switch groupBy {
    case .arm: group = "pts.arm"
    case .site: group = "pts.site_code"
    case .source, .dose:
      // Only grouping by lot source or dose needs the first infusion's lot and dose.
      firstInfusion = """
        , first_infusion AS (
          SELECT DISTINCT ON (i.study_id) i.study_id, i.dose_per_kg, i.total_cells, i.weight_kg,
                 l.source
          FROM registry.infusion i
          JOIN registry.msc_lot l ON l.lot_number = i.lot_number
          WHERE i.voided_at IS NULL AND i.infused_on <= \(asOf)
          ORDER BY i.study_id, i.infused_on, i.id
        )
        """
      firstInfusionJoin = "LEFT JOIN first_infusion fi ON fi.study_id = pts.study_id"
      if groupBy == .source {
        group = "coalesce(fi.source, 'none')"
      } else {
        let labels =
          [DoseBand.label(dosePerKg: nil)]
          + ([0.0] + DoseBand.edges).map { DoseBand.label(dosePerKg: $0) }
        // Dose bands exactly (DoseBand, DosePerKg): edges reached by cells ≥ edge × weight in
        // numeric, lower edges inclusive; never a binary quotient.
        group = """
          (\(PostgresArray(labels))::text[])[CASE WHEN fi.dose_per_kg IS NULL THEN 1
            ELSE 2 + (SELECT count(*)::int FROM unnest(\(PostgresArray(DoseBand.edges))::float8[]) AS e(edge)
                      WHERE fi.total_cells::numeric >= e.edge::numeric * fi.weight_kg::numeric) END]
          """
      }
    }
    let related = "a.relatedness IN ('possible', 'probable', 'definite')"
    // Per patient, the summary's column when its row is current as of the cut-off, else the
    // grouping of the patient's records on or before it.
    func pick(_ column: String, _ recomputed: String) -> String {
      "CASE WHEN pts.summarised THEN pts.\(column) ELSE \(recomputed) END"
    }
    let assessedDay = pick("assessed_on", "assessed.day")
    let visitColumns = visits.selected(assessedDay: "pts.assessed_day")
    statement.materialize(
      "report_cohort",
      """
      WITH pts AS (
        SELECT p.study_id, p.site_code, p.arm, p.enrolled_on, p.status, p.status_on, p.synthetic,
               -- The summary (migration 0110) holds every record of the patient when its
               -- latest date is on or before the cut-off (or there is no record at all).
               (s.latest_on IS NULL OR s.latest_on <= \(asOf)) AS summarised,
               s.assessed_on, s.infused_on, s.adverse_on, s.ae_worst, s.ae_serious, s.ae_related,
               s.ae_related_serious, s.ae_unrelated, s.ae_unrelated_serious, s.event_on,
               s.death_on, s.liver_transplant_on, s.lost_to_follow_up_on, s.withdrawn_on
        FROM registry.patient p
        LEFT JOIN registry.patient_summary s ON s.study_id = p.study_id
        WHERE p.protocol_code = \(trial.code) AND p.enrolled_on <= \(asOf)
          AND (\(site)::text IS NULL OR p.site_code = \(site))
          AND NOT (\(excludeSynthetic)::bool AND p.synthetic)
      ), later AS (
        -- Patients with a record dated after the cut-off: their records are grouped here.
        SELECT s.study_id FROM registry.patient_summary s WHERE s.latest_on > \(asOf)
      )\(firstInfusion), assessed AS (
        SELECT a.study_id, max(a.assessed_on) AS day
        FROM registry.assessment a
        WHERE a.study_id IN (SELECT study_id FROM later)
          AND a.voided_at IS NULL AND a.assessed_on <= \(asOf) GROUP BY a.study_id
      ), infused AS (
        SELECT study_id, max(infused_on) AS day FROM registry.infusion
        WHERE study_id IN (SELECT study_id FROM later)
          AND voided_at IS NULL AND infused_on <= \(asOf) GROUP BY study_id
      ), adverse AS (
        SELECT a.study_id,
               max(CASE WHEN a.resolved_on <= \(asOf) THEN a.resolved_on ELSE a.onset_on END) AS day,
               max(a.grade) AS ae_worst, bool_or(a.serious IS NOT NULL) AS ae_serious,
               count(*) FILTER (WHERE \(unescaped: related))::int AS ae_related,
               count(*) FILTER (WHERE \(unescaped: related) AND a.serious IS NOT NULL)::int
                 AS ae_related_serious,
               count(*) FILTER (WHERE NOT \(unescaped: related))::int AS ae_unrelated,
               count(*) FILTER (WHERE NOT \(unescaped: related) AND a.serious IS NOT NULL)::int
                 AS ae_unrelated_serious
        FROM registry.adverse_event a
        WHERE a.study_id IN (SELECT study_id FROM later)
          AND a.voided_at IS NULL AND a.onset_on <= \(asOf) GROUP BY a.study_id
      ), events AS (
        SELECT study_id, max(occurred_on) AS day,
               min(occurred_on) FILTER (WHERE kind = 'death') AS death_on,
               min(occurred_on) FILTER (WHERE kind = 'liver_transplant') AS liver_transplant_on,
               min(occurred_on) FILTER (WHERE kind = 'lost_to_follow_up') AS lost_to_follow_up_on
        FROM registry.clinical_event
        WHERE study_id IN (SELECT study_id FROM later)
          AND voided_at IS NULL AND occurred_on <= \(asOf) GROUP BY study_id
      ), withdrawals AS (
        SELECT study_id, max(withdrawn_on) AS day FROM registry.consent
        WHERE study_id IN (SELECT study_id FROM later) AND withdrawn_on <= \(asOf)
        GROUP BY study_id
      ), merged AS (
        SELECT pts.study_id, pts.site_code, pts.arm, pts.enrolled_on, pts.status, pts.status_on,
               pts.synthetic,
               \(unescaped: assessedDay) AS assessed_day,
               \(unescaped: pick("infused_on", "infused.day")) AS infused_day,
               \(unescaped: pick("adverse_on", "adverse.day")) AS adverse_day,
               \(unescaped: pick("event_on", "events.day")) AS event_day,
               \(unescaped: pick("withdrawn_on", "withdrawals.day")) AS withdrawn_day,
               \(unescaped: pick("death_on", "events.death_on")) AS death_on,
               \(unescaped: pick("liver_transplant_on", "events.liver_transplant_on"))
                 AS liver_transplant_on,
               \(unescaped: pick("lost_to_follow_up_on", "events.lost_to_follow_up_on"))
                 AS lost_to_follow_up_on,
               \(unescaped: pick("ae_worst", "adverse.ae_worst")) AS ae_worst,
               \(unescaped: pick("ae_serious", "adverse.ae_serious")) AS ae_serious,
               \(unescaped: pick("ae_related", "adverse.ae_related")) AS ae_related,
               \(unescaped: pick("ae_related_serious", "adverse.ae_related_serious"))
                 AS ae_related_serious,
               \(unescaped: pick("ae_unrelated", "adverse.ae_unrelated")) AS ae_unrelated,
               \(unescaped: pick("ae_unrelated_serious", "adverse.ae_unrelated_serious"))
                 AS ae_unrelated_serious
        FROM pts
        LEFT JOIN assessed ON assessed.study_id = pts.study_id
        LEFT JOIN infused ON infused.study_id = pts.study_id
        LEFT JOIN adverse ON adverse.study_id = pts.study_id
        LEFT JOIN events ON events.study_id = pts.study_id
        LEFT JOIN withdrawals ON withdrawals.study_id = pts.study_id
      )
      SELECT pts.study_id, pts.arm, pts.enrolled_on, pts.synthetic, \(group) AS grp,
             pts.infused_day IS NOT NULL AS treated,
             -- Last contact: the latest dated record of any kind (greatest ignores NULLs).
             greatest(pts.enrolled_on, pts.assessed_day, pts.infused_day, pts.adverse_day,
                      pts.event_day, pts.withdrawn_day) AS last_contact,
             pts.death_on IS NOT NULL AS died,
             pts.liver_transplant_on IS NOT NULL AS transplanted,
             (pts.withdrawn_day IS NOT NULL OR (pts.status = 'withdrawn' AND pts.status_on <= \(asOf)))
               AS withdrawn,
             pts.death_on, pts.liver_transplant_on, pts.lost_to_follow_up_on,
             pts.ae_worst, pts.ae_serious, pts.ae_related, pts.ae_related_serious,
             pts.ae_unrelated, pts.ae_unrelated_serious\(unescaped: visitColumns)
      FROM merged pts
      \(firstInfusionJoin)
      \(visits.joins(asOf: asOf))
      """)
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

  static let countsSQL: PostgresQuery = """
    SELECT grp, count(*)::int AS enrolled, count(*) FILTER (WHERE treated)::int AS treated,
           count(*) FILTER (WHERE withdrawn)::int AS withdrawn,
           count(*) FILTER (WHERE died)::int AS died,
           count(*) FILTER (WHERE transplanted)::int AS transplanted
    FROM report_cohort GROUP BY grp
    """

  /// The cohort's column of a clinical event's first date on or before the cut-off.
  static func eventColumn(_ kind: ClinicalEventKind) -> String {
    switch kind {
    case .death: "death_on"
    case .liverTransplant: "liver_transplant_on"
    case .lostToFollowUp: "lost_to_follow_up_on"
    }
  }

  /// Per group, patients leaving the risk set per day: at the first endpoint event, or
  /// censored at the last contact. With `mscArms`, keyed `true` (patients of those arms) and
  /// `false` (the other arms) instead of by group, for the two-arm comparison.
  func survivalSQL(_ endpoint: ProtocolEndpoint, mscArms: [String]?) -> PostgresQuery {
    let kinds = Set(endpoint.events).map(Self.eventColumn).sorted()
    // The first event of the endpoint's kinds (least ignores NULLs).
    let event = kinds.isEmpty ? "NULL::date" : "least(\(kinds.joined(separator: ", ")))"
    let group: PostgresQuery =
      if let mscArms { "(arm = ANY(\(PostgresArray(mscArms))::text[]))::text" } else { "grp" }
    return """
      SELECT \(group) AS grp, (coalesce(day, last_contact) - enrolled_on) AS day,
             day IS NOT NULL AS event, count(*)::int AS patients
      FROM (SELECT grp, arm, enrolled_on, last_contact, \(unescaped: event) AS day
            FROM report_cohort) c
      GROUP BY 1, 2, 3
      """
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
  static let proportionSQL: PostgresQuery = """
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

  /// The assessment columns that the responder endpoints (SRI-4, renal response) read.
  static let responderColumns = ["sledai_2k", "pga", "bilag", "upcr", "creatinine"]

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
    endpoint: ProtocolEndpoint, baseline: String, visit: ScheduledVisit, asOf: CalendarDate,
    visits: Visits
  ) -> PostgresQuery {
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
          WHEN NOT b_seen THEN 'non_responder'
          WHEN b_bilag IS NULL AND v_bilag IS NOT NULL THEN 'missing'
          WHEN coalesce(b_sledai_2k - v_sledai_2k >= 4 AND v_pga - b_pga < 0.3
            AND (b_bilag IS NULL OR v_bilag IS NULL OR (
              (SELECT count(*) FROM jsonb_each_text(v_bilag) g
                WHERE g.value = 'A' AND coalesce(b_bilag ->> g.key, '') <> 'A') = 0
              AND (SELECT count(*) FROM jsonb_each_text(v_bilag) g
                WHERE g.value = 'B' AND coalesce(b_bilag ->> g.key, '') NOT IN ('A', 'B')) <= 1)),
            false) THEN 'responder'
          ELSE 'non_responder'
        END
        """
    } else {
      complete = "coalesce(v_upcr < 0.5, false)"
      due = "seen OR closed"
      status = """
        CASE
          WHEN b_upcr IS NULL OR b_upcr < upcr_min THEN 'outside_population'
          WHEN NOT seen THEN CASE WHEN closed THEN 'missing' ELSE 'not_due' END
          WHEN v_upcr IS NULL OR v_creatinine IS NULL OR b_creatinine IS NULL
            OR NOT b_creatinine > 0 THEN 'missing'
          WHEN round(((v_creatinine - b_creatinine) / b_creatinine)::numeric, 9) <= 0.15
            AND (v_upcr < 0.5
              OR (v_upcr < 3 AND round(((b_upcr - v_upcr) / b_upcr)::numeric, 9) >= 0.5))
            THEN 'responder'
          ELSE 'non_responder'
        END
        """
    }
    // The baseline's and the visit's columns of the cohort, as b_… and v_….
    let renamed = (["seen"] + Self.responderColumns).flatMap { column in
      [
        "\(visits.name(baseline, column)) AS b_\(column)",
        "\(visits.name(visit.code, column)) AS v_\(column)",
      ]
    }.joined(separator: ", ")
    let lastDay = visit.window.lastDay
    return """
      WITH p AS (
        SELECT study_id, grp, coalesce(b_seen, false) AS b_seen, coalesce(v_seen, false) AS seen,
               enrolled_on + \(lastDay)::int < \(asOf) AS closed,
               coalesce(death_on <= enrolled_on + \(lastDay)::int, false) AS died,
               \(endpoint.renalPopulationUPCRMin)::float8 AS upcr_min,
               b_sledai_2k, v_sledai_2k, b_pga, v_pga, b_bilag, v_bilag, b_upcr, v_upcr,
               b_creatinine, v_creatinine
        FROM (SELECT study_id, grp, enrolled_on, death_on, \(unescaped: renamed)
              FROM report_cohort) c
      ), r AS (
        SELECT study_id, grp, (\(unescaped: due)) AS due,
               (\(unescaped: status)) AS status, (\(unescaped: complete)) AS complete
        FROM p
      )
      """
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
      let visits = try Visits(trial)
      cohort(
        &statement, trial: trial, asOf: asOf, site: nil, groupBy: .arm, excludeSynthetic: false,
        visits: visits)
      let r = responderSQL(
        endpoint: endpoint, baseline: baseline, visit: visit, asOf: asOf, visits: visits)
      let part = statement.part(r + " SELECT study_id, status, complete FROM r")
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
  func changeSQL(_ measure: String, baseline: String, visit: String, _ visits: Visits) throws
    -> PostgresQuery
  {
    guard Self.measureColumns.contains(measure) else {
      throw RegistryError(.internal, field: "measure", "no assessment column for \(measure)")
    }
    let b = visits.name(baseline, measure)
    let v = visits.name(visit, measure)
    return """
      SELECT grp, count(*)::int AS n, avg((\(unescaped: v) - \(unescaped: b))::float8)::text AS mean,
             stddev_samp((\(unescaped: v) - \(unescaped: b))::float8)::text AS sd
      FROM report_cohort
      WHERE \(unescaped: b) IS NOT NULL AND \(unescaped: v) IS NOT NULL
      GROUP BY grp
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

  /// Per group, worst grade and seriousness: patients with at least one adverse event.
  static let worstAESQL: PostgresQuery = """
    SELECT grp, ae_worst AS worst, ae_serious AS serious, count(*)::int AS patients
    FROM report_cohort WHERE ae_worst IS NOT NULL GROUP BY 1, 2, 3
    """

  /// By relatedness to MSC (possible, probable, definite: related) and seriousness; a group
  /// has a row of either kind only when one of its patients had such an event.
  static let relatedAESQL: PostgresQuery = """
    SELECT grp, true AS related, count(*)::int AS patients,
           count(*) FILTER (WHERE ae_related_serious > 0)::int AS patients_serious,
           sum(ae_related)::int AS events, sum(ae_related_serious)::int AS events_serious
    FROM report_cohort WHERE ae_related > 0 GROUP BY grp
    UNION ALL
    SELECT grp, false, count(*)::int,
           count(*) FILTER (WHERE ae_unrelated_serious > 0)::int,
           sum(ae_unrelated)::int, sum(ae_unrelated_serious)::int
    FROM report_cohort WHERE ae_unrelated > 0 GROUP BY grp
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
    func screening(_ from: String = "") -> PostgresQuery {
      """
      FROM registry.screening s JOIN registry.protocol pr ON pr.id = s.protocol_id\(unescaped: from)
      WHERE pr.code = \(trial.code) AND s.screened_on <= \(asOf)
        AND (\(site)::text IS NULL OR s.site_code = \(site))
        AND NOT (\(excludeSynthetic)::bool AND s.synthetic)
      """
    }
    return FlowParts(
      totals: statement.part(
        """
        SELECT count(*)::int AS screened, count(*) FILTER (WHERE NOT eligible)::int AS failed
        \(screening())
        """),
      failures: statement.part(
        """
        SELECT split_part(f.item, ':', 1) AS criterion, count(*)::int AS n
        \(screening(", jsonb_array_elements_text(s.failed_criteria) AS f(item)"))
        GROUP BY 1
        """),
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
