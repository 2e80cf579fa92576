import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport

/// A migrated database with the example protocols, sites PAN/BOG/GZU, and helpers to enroll
/// an SLE or ACLF patient on a chosen day.
///
/// Use cases run as the least-privileged login the command × role table allows: the admin
/// loads protocols and adds sites; enrollments, assessments, adverse events, events and
/// withdrawals run as a coordinator (`coordinator`: of every fixture site, since the helpers
/// write for patients of several sites); reads as an investigator of every site
/// (`investigator`). `registry` (the database owner) is kept for set-up behind the registry's
/// back (a released lot without the lot workflow) and for raw checks.
struct OutcomeFixture {
  let db: TestDatabase
  /// The database owner.
  let registry: RegistryDatabase
  /// The logins of the real roles.
  let logins: RegistryLogins
  /// Today for the services (the real date, so that "in the future" means what it says).
  let today = CalendarDate.today()

  /// The services of one login.
  struct Services {
    let database: RegistryDatabase
    var assessments: AssessmentService { AssessmentService(database) }
    var adverseEvents: AdverseEventService { AdverseEventService(database) }
    var events: ClinicalEventService { ClinicalEventService(database) }
    var patients: PatientService { PatientService(database) }
  }

  init(_ db: TestDatabase) throws {
    self.db = db
    registry = RegistryDatabase(conninfo: db.conninfo)
    logins = try RegistryLogins(db)
    let folder = TestDatabase.repositoryRoot.appendingPathComponent("config/protocols")
    for file in ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"] {
      _ = try ProtocolService(logins.admin).load(file: folder.appendingPathComponent(file))
    }
    for (code, name) in [("PAN", "Panamá"), ("BOG", "Bogotá"), ("GZU", "Nanjing")] {
      _ = try SiteService(logins.admin).add(code: code, name: name, country: nil)
    }
    try logins.addSiteLogins(["PAN", "BOG", "GZU"])
  }

  /// Writes, as a coordinator.
  var coordinator: Services { Services(database: logins.coordinatorOfEverySite) }
  /// Reads, as an investigator of every site.
  var investigator: Services { Services(database: logins.investigator) }

  var assessments: AssessmentService { coordinator.assessments }
  var adverseEvents: AdverseEventService { coordinator.adverseEvents }
  var events: ClinicalEventService { coordinator.events }

  /// Enrolls an eligible SLE patient `daysAgo` days before today; returns the study ID.
  func enrollSLE(daysAgo: Int, site: String = "PAN", mrn: String = UUID().uuidString) throws
    -> String
  {
    let on = today.adding(days: -daysAgo)
    return try EnrollmentService(logins.coordinator(site)).enroll(
      EnrollmentRequest(
        protocolCode: "SLE-UCMSC", site: site,
        identity: PatientIdentity(
          mrn: String(mrn.prefix(60)), givenName: "Ana", familyName: "Pérez",
          birthDate: CalendarDate(year: 1990, month: 4, day: 2)!, contact: nil),
        sex: .female, consent: Consent(version: "2.1", signedOn: on), enrolledOn: on,
        measures: try MeasureSet(
          parsing: RawMeasures(
            sledaiDescriptors: "arthritis,rash,low_complement,proteinuria",
            eularAcrItems: "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",
            anaTiter: "320", pga: "1.5"))),
      today: today
    ).studyID
  }

  /// Enrolls eligible SLE patients until one lands in the MSC arm (the database admits
  /// infusions only there); returns that study ID.
  func enrollSLEInMSCArm(daysAgo: Int, site: String = "PAN") throws -> String {
    for _ in 0..<8 {
      let id = try enrollSLE(daysAgo: daysAgo, site: site)
      let arm: String = try db.connect().query(
        "SELECT arm FROM registry.patient WHERE study_id = $1", [id]
      ).rows[0].decode("arm")
      if arm == "msc" { return id }
    }
    throw RegistryError.refused("fixture", "no MSC-arm allocation in 8 enrollments")
  }

  /// Enrolls an eligible ACLF patient `daysAgo` days before today; returns the study ID.
  func enrollACLF(daysAgo: Int, site: String = "GZU", mrn: String = UUID().uuidString) throws
    -> String
  {
    let on = today.adding(days: -daysAgo)
    return try EnrollmentService(logins.coordinator(site)).enroll(
      EnrollmentRequest(
        protocolCode: "ACLF-BMMSC", site: site,
        identity: PatientIdentity(
          mrn: String(mrn.prefix(60)), givenName: "Wei", familyName: "Zhang",
          birthDate: CalendarDate(year: 1975, month: 1, day: 20)!, contact: nil),
        sex: .male, consent: Consent(version: "1.0", signedOn: on), enrolledOn: on,
        measures: try MeasureSet(
          parsing: RawMeasures(
            creatinine: "1.4", bilirubin: "171umol/L", inr: "2.1", sodium: "131",
            albumin: "2.9", ascites: "mild", encephalopathy: "none"))),
      today: today
    ).studyID
  }

  /// The enrollment date of a patient.
  func enrolledOn(_ studyID: String) throws -> CalendarDate {
    try PatientService(logins.investigator).show(studyID: studyID).patient.enrolledOn
  }

  /// One value of a query on a raw connection (nil for SQL NULL).
  func scalar(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> String? {
    let connection = try db.connect()
    return try connection.query(sql, parameters).rows.first?.decode(at: 0)
  }

  /// Row count of a table.
  func count(_ table: String) throws -> Int {
    Int(try scalar("SELECT count(*) FROM \(table)") ?? "0")!
  }

  /// Inserts a released lot (as the owner, without the lot workflow) and records a live
  /// infusion of a patient on a day as the coordinator of its site; returns its id.
  func infuse(_ studyID: String, on date: CalendarDate, lot: String = "UC-001") throws -> Int64 {
    try db.insertReleasedLot(
      lot, source: "umbilical_cord", manufactured: date.adding(days: -60),
      expires: date.adding(days: 300))
    return try InfusionService(logins.coordinator(of: studyID)).record(
      InfusionEntry(
        studyID: studyID, lotNumber: lot, date: date, weightKg: 60, cells: 6e7, route: .iv),
      today: today
    ).id
  }
}
