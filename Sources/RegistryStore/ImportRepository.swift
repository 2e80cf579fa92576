import Foundation
import PostgresClient
import RegistryDomain

/// One candidate of a set-wise import, ready to stage: what `registry.enroll` takes, the
/// consent, and the baseline assessment's columns (measures and derived scores) when the row
/// has measures.
public struct StagedEnrollment {
  /// Line of the file (the key of the staged row).
  public let line: Int
  /// Site code.
  public let site: String
  /// Sex.
  public let sex: Sex
  /// Age at enrollment in whole years.
  public let age: Int
  /// Enrollment date.
  public let enrolledOn: CalendarDate
  /// Identifying data (to `identity.patient_identity` through `registry.enroll_batch` only).
  public let identity: PatientIdentity
  /// Signed consent, if given.
  public let consent: Consent?
  /// The baseline assessment's measure columns, nil when the row has no measures.
  let assessment: [any PostgresEncodable]?

  /// A staged row; `measures` and `scores` make the baseline assessment (none when `measures`
  /// is empty).
  public init(
    line: Int, site: String, sex: Sex, age: Int, enrolledOn: CalendarDate,
    identity: PatientIdentity, consent: Consent?, measures: MeasureSet, scores: DerivedScores
  ) throws {
    self.line = line
    self.site = site
    self.sex = sex
    self.age = age
    self.enrolledOn = enrolledOn
    self.identity = identity
    self.consent = consent
    if measures.isEmpty {
      assessment = nil
    } else {
      // The values an assessment insert writes, picked in the staged table's column order.
      let recorded = Dictionary(
        uniqueKeysWithValues: try AssessmentRepository.recordedValues(
          on: enrolledOn, measures, scores: scores, deviationReason: nil
        ).map { ($0.column, $0.value) })
      assessment = ImportRepository.assessmentColumnNames.map { recorded[$0]! }
    }
  }
}

/// A row of the staged batch that the database side of the rules refuses: an unknown site,
/// or an MRN already enrolled in the protocol (`studyID` as `registry.mrns_enrolled` gives
/// it) or repeated in the batch (`firstLine`: the line that has it first).
public struct StagedRefusal: Sendable, Equatable {
  /// What is refused.
  public enum Kind: Sendable, Equatable {
    /// No site with the row's code.
    case unknownSite
    /// The MRN is already enrolled: the study ID, or "" at a site the caller does not see.
    case enrolled(String)
    /// The MRN appears on an earlier line of the batch.
    case repeated(firstLine: Int)
  }
  /// Line of the file.
  public let line: Int
  /// What is refused.
  public let kind: Kind
}

/// SQL of `patient import`: the file staged with COPY into temporary tables of the session,
/// the database's rules checked over the staged set, and the batch written with set-based
/// statements (`registry.enroll_batch` for study IDs, arms, patients, identities and
/// allocations; one INSERT each for consents, screenings and baseline assessments), all in
/// the caller's transaction.
public struct ImportRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let assessmentColumns = """
    sledai_descriptors, pga, bilag, eular_acr_items, ana_titer, upcr, creatinine, c3, c4, \
    anti_dsdna, bilirubin, inr, sodium, albumin, dialysis, ascites, encephalopathy, entered, \
    sledai_2k, eular_acr_2019, meld, meld_na, meld_3, child_pugh, child_pugh_class, engine_version
    """

  /// `assessmentColumns` as a list.
  static let assessmentColumnNames = assessmentColumns.split(separator: ",").map {
    $0.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Copies the batch into `pg_temp.import_stage` and `pg_temp.import_assessment` (dropped at
  /// the end of the transaction); `progress` is called with the rows copied so far.
  public func stage(_ rows: [StagedEnrollment], progress: (Int) -> Void = { _ in }) throws {
    try store.mapped {
      let c = store.connection
      try c.execute(
        """
        CREATE TEMP TABLE import_stage (
          line int PRIMARY KEY, site text NOT NULL, sex text NOT NULL, birth_year int NOT NULL,
          age int NOT NULL, enrolled_on date NOT NULL, mrn text NOT NULL, given text NOT NULL,
          family text NOT NULL, birth_date date NOT NULL, contact text, consent_version text,
          consent_date date
        ) ON COMMIT DROP;
        CREATE TEMP TABLE import_assessment ON COMMIT DROP AS
          SELECT 0 AS line, \(Self.assessmentColumns) FROM registry.assessment WITH NO DATA;
        """)
      var copied = 0
      try c.copyIn(
        """
        COPY pg_temp.import_stage (line, site, sex, birth_year, age, enrolled_on, mrn, given,
          family, birth_date, contact, consent_version, consent_date) FROM STDIN
        """
      ) { writer in
        for row in rows {
          let i = row.identity
          try writer.write([
            row.line, row.site, row.sex.rawValue, i.birthDate.year, row.age, row.enrolledOn,
            i.mrn, i.givenName, i.familyName, i.birthDate, i.contact, row.consent?.version,
            row.consent?.signedOn,
          ])
          copied += 1
          if copied % 1000 == 0 { progress(copied) }
        }
      }
      try c.copyIn(
        "COPY pg_temp.import_assessment (line, \(Self.assessmentColumns)) FROM STDIN"
      ) { writer in
        for row in rows {
          guard let assessment = row.assessment else { continue }
          try writer.write([row.line] + assessment)
        }
      }
      try c.execute("ANALYZE pg_temp.import_stage; ANALYZE pg_temp.import_assessment")
      progress(rows.count)
    }
  }

  /// The staged rows the database's rules refuse, by line: unknown sites, MRNs already
  /// enrolled in `protocolCode` (through `registry.mrns_enrolled`) and MRNs repeated in the
  /// batch.
  public func refusals(protocolCode: String) throws -> [StagedRefusal] {
    try store.mapped {
      try store.query(
        """
        WITH s AS (
          SELECT line, site, mrn, first_value(line) OVER (PARTITION BY mrn ORDER BY line) AS first
          FROM pg_temp.import_stage
        ), enrolled AS (
          SELECT * FROM registry.mrns_enrolled(
            \(protocolCode), ARRAY(SELECT DISTINCT mrn FROM pg_temp.import_stage))
        )
        SELECT s.line, 'site' AS kind, NULL AS study_id, NULL::int AS first FROM s
        WHERE NOT EXISTS (SELECT 1 FROM registry.site x WHERE x.code = s.site)
        UNION ALL
        SELECT s.line, 'enrolled', e.study_id, NULL FROM s JOIN enrolled e ON e.mrn = s.mrn
        UNION ALL
        SELECT s.line, 'repeated', NULL, s.first FROM s WHERE s.first < s.line
        """
      ).rows.map { row in
        let line: Int = try row.decode("line")
        switch try row.decode("kind") as String {
        case "site": return StagedRefusal(line: line, kind: .unknownSite)
        case "enrolled":
          return StagedRefusal(line: line, kind: .enrolled(try row.decode("study_id")))
        default:
          return StagedRefusal(line: line, kind: .repeated(firstLine: try row.decode("first")))
        }
      }
    }
  }

  /// Enrolls the staged rows before `line` (all when nil) in file order through
  /// `registry.enroll_batch`, then writes their consents, eligible screening rows and
  /// baseline assessments (`baselineVisit`; none when nil) with one INSERT each. Returns the
  /// line, study ID, arm and study number of each, in file order.
  public func enroll(protocolID: Int64, baselineVisit: String?, before line: Int?) throws
    -> [(line: Int, studyID: String, arm: String, number: Int)]
  {
    try store.mapped {
      try store.query(
        """
        CREATE TEMP TABLE import_result ON COMMIT DROP AS
        SELECT * FROM registry.enroll_batch(\(protocolID), ARRAY(
          SELECT ROW(line, site, sex, birth_year, age, enrolled_on, mrn, given, family, birth_date,
                     contact)::registry.enrollment_candidate
          FROM pg_temp.import_stage WHERE \(line)::int IS NULL OR line < \(line) ORDER BY line))
        """)
      try store.query(
        """
        INSERT INTO registry.consent (study_id, version, signed_on)
        SELECT r.study_id, s.consent_version, s.consent_date
        FROM pg_temp.import_result r JOIN pg_temp.import_stage s ON s.line = r.line
        WHERE s.consent_version IS NOT NULL ORDER BY r.line
        """)
      try store.query(
        """
        INSERT INTO registry.screening (protocol_id, site_code, screened_on, eligible, failed_criteria, study_id)
        SELECT \(protocolID), s.site, s.enrolled_on, true, '[]'::jsonb, r.study_id
        FROM pg_temp.import_result r JOIN pg_temp.import_stage s ON s.line = r.line
        ORDER BY r.line
        """)
      if let baselineVisit {
        let qualified = Self.assessmentColumns.split(separator: ",")
          .map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
          .joined(separator: ", ")
        try store.query(
          """
          INSERT INTO registry.assessment (study_id, visit_code, assessed_on,
            \(unescaped: Self.assessmentColumns), out_of_window, deviation_reason)
          SELECT r.study_id, \(baselineVisit), s.enrolled_on, \(unescaped: qualified),
            false, NULL
          FROM pg_temp.import_result r JOIN pg_temp.import_stage s ON s.line = r.line
          JOIN pg_temp.import_assessment a ON a.line = r.line
          ORDER BY r.line
          """)
      }
      return try store.query(
        "SELECT line, study_id, arm, seq FROM pg_temp.import_result ORDER BY line"
      ).rows.map {
        (
          try $0.decode("line"), try $0.decode("study_id"), try $0.decode("arm"),
          try $0.decode("seq")
        )
      }
    }
  }
}

extension ImportRepository {
  /// Whether the caller may write at a site (`registry.caller_may`).
  public func mayWrite(site: String) throws -> Bool {
    try store.mapped {
      try store.query("SELECT registry.caller_may(\(site), 'write') AS ok").rows[0].decode("ok")
    }
  }
}
