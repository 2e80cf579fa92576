import Foundation
import PostgresClient
import RegistryDomain
import RegistryService

/// A test registry: sites and the example protocols loaded, helpers to enroll candidates,
/// and a login of each real role (`logins`): tests run each use case as the least-privileged
/// role that the command × role table allows (`admin`, `coordinator(_:)`, `investigator`,
/// `monitor`); `registry` (the database owner) is for what only the owner does (tampering,
/// catalog checks, bulk seeding, set-up behind the registry's back).
public struct RegistryFixture: Sendable {
  /// The database under test.
  public let db: TestDatabase
  /// The logins of the real roles (an admin, a coordinator per site, an investigator of every
  /// site, a monitor).
  public let logins: RegistryLogins
  /// The service-layer handle as the database owner.
  public var registry: RegistryDatabase { RegistryDatabase(conninfo: db.conninfo) }
  /// As the admin: sites, protocols, lots, users.
  public var admin: RegistryDatabase { logins.admin }
  /// As the monitor: reads of every site, reports, the audit trail.
  public var monitor: RegistryDatabase { logins.monitor }
  /// As an investigator of every site: reads, identity included.
  public var investigator: RegistryDatabase { logins.investigator }
  /// As the coordinator of one site: that site's enrollments, infusions, assessments, events.
  public func coordinator(_ site: String) -> RegistryDatabase { logins.coordinator(site) }
  /// As a coordinator of every fixture site (for a test that enrolls at several sites through
  /// one service; no right beyond a coordinator's).
  public var siteCoordinator: RegistryDatabase { logins.coordinatorOfEverySite }
  /// As the coordinator of a patient's site (from its study ID).
  public func coordinator(of studyID: String) -> RegistryDatabase {
    logins.coordinator(of: studyID)
  }

  /// The fixture's sites.
  public static let sites = [("PAN", "Panama"), ("BOG", "Bogotá"), ("GZU", "Nanjing")]

  /// The repository's example protocol files.
  public static let protocolsFolder = TestDatabase.repositoryRoot.appendingPathComponent(
    "config/protocols")

  /// As the admin adds sites PAN, BOG and GZU, loads every example protocol and adds the
  /// site logins (the owner only creates the admin).
  public init(_ db: TestDatabase) throws {
    self.db = db
    logins = try RegistryLogins(db)
    let sites = SiteService(logins.admin)
    for (code, name) in Self.sites {
      _ = try sites.add(code: code, name: name, country: nil)
    }
    let protocols = ProtocolService(logins.admin)
    for file in try FileManager.default.contentsOfDirectory(atPath: Self.protocolsFolder.path)
    where file.hasSuffix(".yaml") {
      _ = try protocols.load(file: Self.protocolsFolder.appendingPathComponent(file))
    }
    try logins.addSiteLogins(Self.sites.map(\.0))
  }

  /// An eligible SLE candidate (SLEDAI-2K 12, EULAR/ACR 16, age 36 at 2026-06-01).
  public static func sleCandidate(
    mrn: String, site: String = "PAN", enrolledOn: String = "2026-06-01",
    birthDate: String = "1990-04-02", consentDate: String? = "2026-05-20",
    raw: RawMeasures = RawMeasures(
      sledaiDescriptors: "arthritis,rash,low_complement,proteinuria",
      eularAcrItems: "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4", anaTiter: "320",
      pga: "1.5", upcr: "1.8", creatinine: "1.1")
  ) throws -> EnrollmentRequest {
    try request(
      protocolCode: "SLE-UCMSC", mrn: mrn, site: site, sex: .female, enrolledOn: enrolledOn,
      birthDate: birthDate, consentDate: consentDate, raw: raw)
  }

  /// An eligible ACLF candidate (MELD 22, age 51 at 2026-06-01).
  public static func aclfCandidate(
    mrn: String, site: String = "GZU", enrolledOn: String = "2026-06-01",
    birthDate: String = "1975-01-20", consentDate: String? = "2026-05-31",
    raw: RawMeasures = RawMeasures(
      creatinine: "1.4", bilirubin: "8.5", inr: "1.9", sodium: "132", albumin: "2.9",
      ascites: "mild", encephalopathy: "none")
  ) throws -> EnrollmentRequest {
    try request(
      protocolCode: "ACLF-BMMSC", mrn: mrn, site: site, sex: .male, enrolledOn: enrolledOn,
      birthDate: birthDate, consentDate: consentDate, raw: raw)
  }

  /// A candidate for any protocol.
  public static func request(
    protocolCode: String, mrn: String, site: String, sex: Sex, enrolledOn: String,
    birthDate: String, consentDate: String?, raw: RawMeasures
  ) throws -> EnrollmentRequest {
    let enrolled = try TextField.date(enrolledOn, field: "--enrolled-on")
    return EnrollmentRequest(
      protocolCode: protocolCode, site: site,
      identity: try PatientIdentity.validated(
        mrn: mrn, givenName: "Given\(mrn)", familyName: "Family\(mrn)", birthDate: birthDate),
      sex: sex,
      consent: try consentDate.map {
        Consent(version: "1.0", signedOn: try TextField.date($0, field: "--consent-date"))
      }, enrolledOn: enrolled, measures: try MeasureSet(parsing: raw))
  }

  /// Row counts of every registry table and the last audit id: equal before and after a
  /// refused command means nothing was written.
  public func fingerprint() throws -> [String: Int] {
    let c = try db.connect()
    var result: [String: Int] = [:]
    for row in try c.query(
      """
      SELECT n.nspname || '.' || c.relname AS t
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname IN ('registry', 'identity', 'audit')
      """
    ).rows {
      let table: String = try row.decode("t")
      result[table] = try c.query("SELECT count(*)::int AS n FROM \(table)").rows[0].decode("n")
    }
    result["audit.log#max"] = try c.query("SELECT coalesce(max(id), 0)::int AS n FROM audit.log")
      .rows[0].decode("n")
    return result
  }
}

extension TestDatabase {
  /// Inserts a released lot meeting every release criterion, behind the registry's back (for
  /// fixtures that need infusions without the lot workflow). Does nothing if it exists.
  public func insertReleasedLot(
    _ lot: String, source: String, manufactured: CalendarDate, expires: CalendarDate
  ) throws {
    try connect().query(
      """
      INSERT INTO registry.msc_lot (lot_number, source, donor, product, passage, viability_pct,
        cd73_pct, cd90_pct, cd105_pct, cd45_pct, cd34_pct, cd14_pct, cd19_pct, hla_dr_pct,
        sterility, mycoplasma, endotoxin_eu_ml, manufactured_on, expires_on, status)
      VALUES (\(lot), \(source), 'allogeneic', 'cells', 3, 92, 99, 98, 97, 0.5, 0.4, 0.3, 0.2,
        0.6, 'negative', 'negative', 0.1, \(manufactured.description)::date,
        \(expires.description)::date, 'released')
      ON CONFLICT DO NOTHING
      """ as PostgresQuery)
  }
}

extension RegistryFixture {
  /// The login that runs a command in the fixture: the least-privileged role the command ×
  /// role table (README "Security model") allows. Admin: `site add`, `protocol load`, lot
  /// writes, users, `audit redact`. Coordinator: patient writes, infusions, assessments,
  /// adverse events, events — the coordinator of the patient's site when a study ID or
  /// `--site` names one of the fixture's sites, else a coordinator of every fixture site.
  /// Monitor: the audit trail. Investigator (every site): every other read. nil (the owner):
  /// `demo …` and `db …`, which are the DBA's.
  public func login(for arguments: [String]) -> String? {
    let command = arguments.first ?? ""
    let sub = arguments.dropFirst().first ?? ""
    let coordinator: String = {
      let sites = Set(Self.sites.map(\.0))
      for (i, a) in arguments.enumerated() {
        if a == "--site", i + 1 < arguments.count, sites.contains(arguments[i + 1]) {
          return logins.coordinatorName(arguments[i + 1])
        }
        let parts = a.split(separator: "-")
        if parts.count == 3, parts[2].count == 4, parts[2].allSatisfy(\.isNumber),
          sites.contains(String(parts[1]))
        {
          return logins.coordinatorName(String(parts[1]))
        }
      }
      return logins.db.userName("fx_coord_every")
    }()
    switch command {
    case "demo", "db": return nil
    case "user": return logins.adminName
    case "site": return sub == "add" ? logins.adminName : logins.investigatorName
    case "protocol": return sub == "load" ? logins.adminName : logins.investigatorName
    case "lot":
      return ["add", "release", "reject"].contains(sub)
        ? logins.adminName : logins.investigatorName
    case "audit": return sub == "redact" ? logins.adminName : logins.monitorName
    case "patient":
      return ["enroll", "import", "amend", "withdraw"].contains(sub)
        ? coordinator : logins.investigatorName
    case "infuse": return coordinator
    case "assess", "ae", "event": return sub == "list" ? logins.investigatorName : coordinator
    default: return logins.investigatorName
    }
  }

  /// Runs `mscreg` in process as `login(for:)` (see `CLIRunner.run`).
  public func run(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil
  ) throws -> CLIResult {
    let database = try login(for: arguments).map { try db.login($0) } ?? db
    return try CLIRunner.run(arguments, database: database, environment: environment, stdin: stdin)
  }
}
