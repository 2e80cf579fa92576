import Foundation
import PostgresClient
import RegistryDomain

/// SQL for patients, their identity, consent, allocation and the screening log.
public struct PatientRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let patientColumns = """
    p.study_id, p.protocol_code, pr.version AS protocol_version, p.site_code, p.sex,
    p.birth_year, p.age_at_enrollment, p.enrolled_on, p.arm, p.status, p.status_on,
    p.synthetic
    """

  /// Whether an MRN is already enrolled in a protocol (any version, any site): nil when not,
  /// the study ID when the patient is at one of the caller's sites, "" when at another site.
  ///
  /// This is the one deliberate disclosure across sites (the duplicate-MRN rule); it runs
  /// through `registry.mrn_enrolled`, a SECURITY DEFINER function (coordinators only).
  public func studyID(enrolledWithMRN mrn: String, protocolCode: String) throws -> String? {
    try store.mapped {
      try store.query("SELECT registry.mrn_enrolled(\(protocolCode), \(mrn)) AS study_id")
        .rows.first?.decode("study_id")
    }
  }

  /// Enrolls a patient through `registry.enroll`: the database takes the next gapless study
  /// number of the protocol code and site, the next position of the stratum, draws the arm
  /// from the protocol's concealed seed, and writes the patient, identity and allocation rows,
  /// all inside the caller's transaction. Returns the study ID, the arm and the number.
  ///
  /// The caller must be a coordinator of `site` (exit 77 otherwise). The client chooses
  /// neither the study ID nor the arm; no application role can write those rows directly.
  public func enroll(
    protocolID: Int64, site: String, sex: Sex, birthYear: Int, ageAtEnrollment: Int,
    enrolledOn: CalendarDate, identity: PatientIdentity
  ) throws -> (studyID: String, arm: String, number: Int) {
    try store.mapped {
      let arguments: [any PostgresEncodable] = [
        protocolID, site, sex.rawValue, birthYear, ageAtEnrollment, enrolledOn, identity.mrn,
        identity.givenName, identity.familyName, identity.birthDate, identity.contact,
      ]
      let row = try store.query(
        "SELECT study_id, arm, seq FROM registry.enroll(\(list: arguments))"
      ).rows[0]
      return (try row.decode("study_id"), try row.decode("arm"), try row.decode("seq"))
    }
  }

  /// Records a signed consent.
  public func insertConsent(_ consent: Consent, studyID: String) throws {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.consent (study_id, version, signed_on)
        VALUES (\(studyID), \(consent.version), \(consent.signedOn))
        """)
    }
  }

  /// Writes a screening-log row; `failed` lists each failed criterion (empty when eligible).
  public func insertScreening(
    protocolID: Int64, site: String, on date: CalendarDate, failed: [String], studyID: String?
  ) throws {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.screening (protocol_id, site_code, screened_on, eligible, failed_criteria, study_id)
        VALUES (\(protocolID), \(site), \(date), \(failed.isEmpty),
                to_jsonb(\(PostgresArray(failed))::text[]), \(studyID))
        """)
    }
  }

  /// A patient by study ID, or nil.
  public func find(studyID: String, forUpdate: Bool = false) throws -> Patient? {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.patientColumns)
        FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
        WHERE p.study_id = \(studyID) \(unescaped: forUpdate ? "FOR UPDATE OF p" : "")
        """
      ).rows.first.map(Self.patient)
    }
  }

  /// The version of a patient's row: the id of the transaction that last wrote it (`xmin`),
  /// which every correction, withdrawal or status change replaces. nil for a patient the
  /// caller does not see.
  public func version(studyID: String) throws -> String? {
    try store.mapped {
      try store.query("SELECT xmin::text AS v FROM registry.patient WHERE study_id = \(studyID)")
        .rows.first?.decode("v")
    }
  }

  /// The protocol row id a patient was enrolled under.
  public func protocolID(studyID: String) throws -> Int64? {
    try store.mapped {
      try store.query("SELECT protocol_id FROM registry.patient WHERE study_id = \(studyID)")
        .rows.first?.decode("protocol_id")
    }
  }

  /// Patients filtered by protocol code, site and status, by study ID; `excludeSynthetic`
  /// leaves out the patients of synthetic cohorts (`demo seed`).
  ///
  /// `after` and `limit` page through the list (keyset pagination): only study IDs after
  /// `after`, at most `limit` of them (nil: all).
  public func list(
    protocolCode: String?, site: String?, status: PatientStatus?, excludeSynthetic: Bool = false,
    after: String? = nil, limit: Int? = nil
  ) throws -> [Patient] {
    try store.mapped {
      var filters: [PostgresQuery] = ["NOT (\(excludeSynthetic)::bool AND p.synthetic)"]
      if let protocolCode { filters.append("p.protocol_code = \(protocolCode)") }
      if let site { filters.append("p.site_code = \(site)") }
      if let status { filters.append("p.status = \(status.rawValue)") }
      if let after { filters.append("p.study_id > \(after)") }
      return try store.query(
        """
        SELECT \(unescaped: Self.patientColumns)
        FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
        WHERE \(PostgresQuery.joined(filters, separator: " AND "))
        ORDER BY p.study_id
        LIMIT \(limit)::int
        """
      ).rows.map(Self.patient)
    }
  }

  /// The identity of a patient, through `registry.patient_identity` (a SECURITY DEFINER
  /// function that checks the caller's sites first): nil for a patient the caller does not
  /// see; monitors and admins are denied (exit 77).
  public func identity(studyID: String) throws -> PatientIdentity? {
    try store.mapped {
      try store.query(
        """
        SELECT mrn, given_name, family_name, birth_date, contact
        FROM registry.patient_identity(\(studyID))
        """
      ).rows.first.map { row in
        PatientIdentity(
          mrn: try row.decode("mrn"), givenName: try row.decode("given_name"),
          familyName: try row.decode("family_name"), birthDate: try row.decode("birth_date"),
          contact: try row.decode("contact"))
      }
    }
  }

  /// Consents of a patient, oldest first.
  public func consents(studyID: String) throws -> [Consent] {
    try store.mapped {
      try store.query(
        """
        SELECT version, signed_on, withdrawn_on
        FROM registry.consent WHERE study_id = \(studyID) ORDER BY signed_on, id
        """
      ).rows.map { row in
        Consent(
          version: try row.decode("version"), signedOn: try row.decode("signed_on"),
          withdrawnOn: try row.decode("withdrawn_on"))
      }
    }
  }

  /// Sets a patient's status and its date (the caller has checked the transition).
  public func updateStatus(studyID: String, to status: PatientStatus, on date: CalendarDate?)
    throws
  {
    try store.mapped {
      try store.query(
        """
        UPDATE registry.patient SET status = \(status.rawValue), status_on = \(date)
        WHERE study_id = \(studyID)
        """)
    }
  }

  /// Marks consent withdrawn on a date.
  public func withdrawConsent(studyID: String, on date: CalendarDate) throws {
    try store.mapped {
      try store.query(
        """
        UPDATE registry.consent SET withdrawn_on = \(date)
        WHERE study_id = \(studyID) AND withdrawn_on IS NULL
        """)
    }
  }

  /// Corrects demographic fields of the research row (sex, birth year, age at enrollment).
  public func updateDemographics(studyID: String, sex: Sex, birthYear: Int, ageAtEnrollment: Int)
    throws
  {
    try store.mapped {
      try store.query(
        """
        UPDATE registry.patient
        SET sex = \(sex.rawValue), birth_year = \(birthYear), age_at_enrollment = \(ageAtEnrollment)
        WHERE study_id = \(studyID)
        """)
    }
  }

  /// Corrects identity fields through `registry.amend_identity` (coordinators of the
  /// patient's site). Returns the number of rows changed (0: a patient the caller does not see).
  @discardableResult
  public func updateIdentity(_ identity: PatientIdentity, studyID: String) throws -> Int {
    try store.mapped {
      let arguments: [any PostgresEncodable] = [
        studyID, identity.mrn, identity.givenName, identity.familyName, identity.birthDate,
        identity.contact,
      ]
      return try store.query("SELECT registry.amend_identity(\(list: arguments)) AS n")
        .rows[0].decode("n")
    }
  }

  static func patient(_ row: PostgresRow) throws -> Patient {
    var patient = Patient(
      studyID: try row.decode("study_id"), protocolCode: try row.decode("protocol_code"),
      protocolVersion: try row.decode("protocol_version"), site: try row.decode("site_code"),
      sex: try row.code("sex"),
      birthYear: try row.decode("birth_year"), ageAtEnrollment: try row.decode("age_at_enrollment"),
      enrolledOn: try row.decode("enrolled_on"), arm: try row.decode("arm"),
      status: try row.code("status"), statusOn: try row.decode("status_on"))
    patient.synthetic = try row.decode("synthetic")
    return patient
  }
}
