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

  /// The study ID already enrolled with this MRN in a protocol (any version), or nil.
  public func studyID(enrolledWithMRN mrn: String, protocolCode: String) throws -> String? {
    try store.mapped {
      try store.query(
        "SELECT study_id FROM identity.patient_identity WHERE protocol_code = $1 AND mrn = $2",
        [protocolCode, mrn]
      ).rows.first?.decode("study_id")
    }
  }

  /// Takes the next study-ID number for a protocol code and site.
  ///
  /// The counter row is created or incremented inside the caller's transaction: concurrent
  /// enrollments at one site wait on its row lock, a rollback gives the number back, and a
  /// commit never reuses it, so numbers are gapless.
  public func takeStudyNumber(protocolCode: String, site: String) throws -> Int {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.study_id_counter AS c (protocol_code, site_code, last_number)
        VALUES ($1, $2, 1)
        ON CONFLICT (protocol_code, site_code) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number
        """, [protocolCode, site]
      ).rows[0].decode("last_number")
    }
  }

  /// Takes the next 0-based position in a randomization stratum (same locking as study IDs).
  public func takeAllocationPosition(protocolID: Int64, stratum: String) throws -> Int {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.allocation_counter AS c (protocol_id, stratum, allocated)
        VALUES ($1, $2, 1)
        ON CONFLICT (protocol_id, stratum) DO UPDATE SET allocated = c.allocated + 1
        RETURNING allocated - 1 AS position
        """, [protocolID, stratum]
      ).rows[0].decode("position")
    }
  }

  /// Inserts the research row of a new patient.
  public func insert(_ patient: Patient, protocolID: Int64, number: Int) throws {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.patient (study_id, protocol_id, protocol_code, site_code, seq, sex,
          birth_year, age_at_enrollment, enrolled_on, arm, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """,
        [
          patient.studyID, protocolID, patient.protocolCode, patient.site, number,
          patient.sex.rawValue, patient.birthYear, patient.ageAtEnrollment,
          patient.enrolledOn, patient.arm, patient.status.rawValue,
        ])
    }
  }

  /// Inserts the identity of a patient (the `identity` schema).
  public func insertIdentity(_ identity: PatientIdentity, studyID: String, protocolCode: String)
    throws
  {
    try store.mapped {
      try store.query(
        """
        INSERT INTO identity.patient_identity
          (study_id, protocol_code, mrn, given_name, family_name, birth_date, contact)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        [
          studyID, protocolCode, identity.mrn, identity.givenName, identity.familyName,
          identity.birthDate, identity.contact,
        ])
    }
  }

  /// Records a signed consent.
  public func insertConsent(_ consent: Consent, studyID: String) throws {
    try store.mapped {
      try store.query(
        "INSERT INTO registry.consent (study_id, version, signed_on) VALUES ($1, $2, $3)",
        [studyID, consent.version, consent.signedOn])
    }
  }

  /// Records the allocation of a study ID to an arm at a stratum position.
  public func insertAllocation(
    protocolID: Int64, stratum: String, position: Int, arm: String, studyID: String
  ) throws {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.allocation (protocol_id, stratum, position, arm, study_id)
        VALUES ($1, $2, $3, $4, $5)
        """, [protocolID, stratum, position, arm, studyID])
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
        VALUES ($1, $2, $3, $4, to_jsonb($5::text[]), $6)
        """,
        [protocolID, site, date, failed.isEmpty, PostgresArray(failed), studyID])
    }
  }

  /// A patient by study ID, or nil.
  public func find(studyID: String, forUpdate: Bool = false) throws -> Patient? {
    try store.mapped {
      try store.query(
        """
        SELECT \(Self.patientColumns)
        FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
        WHERE p.study_id = $1 \(forUpdate ? "FOR UPDATE OF p" : "")
        """, [studyID]
      ).rows.first.map(Self.patient)
    }
  }

  /// The protocol row id a patient was enrolled under.
  public func protocolID(studyID: String) throws -> Int64? {
    try store.mapped {
      try store.query("SELECT protocol_id FROM registry.patient WHERE study_id = $1", [studyID])
        .rows.first?.decode("protocol_id")
    }
  }

  /// Patients filtered by protocol code, site and status, by study ID; `excludeSynthetic`
  /// leaves out the patients of synthetic cohorts (`demo seed`).
  public func list(
    protocolCode: String?, site: String?, status: PatientStatus?, excludeSynthetic: Bool = false
  ) throws -> [Patient] {
    try store.mapped {
      try store.query(
        """
        SELECT \(Self.patientColumns)
        FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
        WHERE ($1::text IS NULL OR p.protocol_code = $1)
          AND ($2::text IS NULL OR p.site_code = $2)
          AND ($3::text IS NULL OR p.status = $3)
          AND NOT ($4::bool AND p.synthetic)
        ORDER BY p.study_id
        """, [protocolCode, site, status?.rawValue, excludeSynthetic]
      ).rows.map(Self.patient)
    }
  }

  /// The identity of a patient (reads the `identity` schema).
  public func identity(studyID: String) throws -> PatientIdentity? {
    try store.mapped {
      try store.query(
        """
        SELECT mrn, given_name, family_name, birth_date, contact
        FROM identity.patient_identity WHERE study_id = $1
        """, [studyID]
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
        FROM registry.consent WHERE study_id = $1 ORDER BY signed_on, id
        """, [studyID]
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
        "UPDATE registry.patient SET status = $2, status_on = $3 WHERE study_id = $1",
        [studyID, status.rawValue, date])
    }
  }

  /// Marks consent withdrawn on a date.
  public func withdrawConsent(studyID: String, on date: CalendarDate) throws {
    try store.mapped {
      try store.query(
        "UPDATE registry.consent SET withdrawn_on = $2 WHERE study_id = $1 AND withdrawn_on IS NULL",
        [studyID, date])
    }
  }

  /// Corrects demographic fields of the research row (sex, birth year, age at enrollment).
  public func updateDemographics(studyID: String, sex: Sex, birthYear: Int, ageAtEnrollment: Int)
    throws
  {
    try store.mapped {
      try store.query(
        "UPDATE registry.patient SET sex = $2, birth_year = $3, age_at_enrollment = $4 WHERE study_id = $1",
        [studyID, sex.rawValue, birthYear, ageAtEnrollment])
    }
  }

  /// Corrects identity fields.
  public func updateIdentity(_ identity: PatientIdentity, studyID: String) throws {
    try store.mapped {
      try store.query(
        """
        UPDATE identity.patient_identity
        SET mrn = $2, given_name = $3, family_name = $4, birth_date = $5, contact = $6
        WHERE study_id = $1
        """,
        [
          studyID, identity.mrn, identity.givenName, identity.familyName,
          identity.birthDate, identity.contact,
        ])
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
