import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// A database with sites, both example protocols, enrolled patients of both arms and helpers
/// for lots and infusions. Dates are fixed in the past; `today` is passed explicitly.
///
/// Use cases run as the least-privileged login the command × role table allows: the admin adds
/// sites, protocols and lots; the coordinator of the patient's site enrolls and infuses;
/// reads go to the investigator (every site) and the audit trail to the monitor. `registry`
/// (the database owner) is kept for set-up behind the registry's back and for tampering.
struct LotInfusionTrial {
  let db: TestDatabase
  /// The database owner.
  let registry: RegistryDatabase
  /// The logins of the real roles.
  let logins: RegistryLogins
  var admin: RegistryDatabase { logins.admin }
  var monitor: RegistryDatabase { logins.monitor }
  var investigator: RegistryDatabase { logins.investigator }
  func coordinator(_ site: String) -> RegistryDatabase { logins.coordinator(site) }
  func coordinator(of studyID: String) -> RegistryDatabase { logins.coordinator(of: studyID) }
  /// "Today" for the services (after every date used, before the machine's today).
  static let today = CalendarDate(iso: "2026-06-01")!
  static let enrolledOn = CalendarDate(iso: "2026-01-05")!

  init(_ db: TestDatabase) throws {
    self.db = db
    registry = RegistryDatabase(conninfo: db.conninfo)
    logins = try RegistryLogins(db)
    _ = try SiteService(logins.admin).add(code: "PAN", name: "Panama", country: "PA")
    _ = try SiteService(logins.admin).add(code: "GZU", name: "Nanjing", country: "CN")
    let folder = TestDatabase.repositoryRoot.appendingPathComponent("config/protocols")
    for file in ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"] {
      _ = try ProtocolService(logins.admin).load(file: folder.appendingPathComponent(file))
    }
    try logins.addSiteLogins(["PAN", "GZU"])
  }

  /// Enrolls `count` SLE patients at a site; returns (study ID, arm) in order.
  func enrollSLE(_ count: Int, site: String = "PAN") throws -> [EnrollmentResult] {
    try (0..<count).map { i in
      let measures = try MeasureSet(
        parsing: RawMeasures(
          sledaiDescriptors: "arthritis,rash,low_complement,proteinuria",
          eularAcrItems: "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4", anaTiter: "320"))
      return try enroll("SLE-UCMSC", site: site, mrn: "S\(site)\(i)", measures: measures)
    }
  }

  /// Enrolls `count` ACLF patients at a site.
  func enrollACLF(_ count: Int, site: String = "GZU") throws -> [EnrollmentResult] {
    try (0..<count).map { i in
      let measures = try MeasureSet(
        parsing: RawMeasures(creatinine: "1.4", bilirubin: "171umol/L", inr: "2.1"))
      return try enroll("ACLF-BMMSC", site: site, mrn: "A\(site)\(i)", measures: measures)
    }
  }

  private func enroll(_ code: String, site: String, mrn: String, measures: MeasureSet) throws
    -> EnrollmentResult
  {
    let identity = PatientIdentity(
      mrn: mrn, givenName: "Ana", familyName: "Test", birthDate: CalendarDate(iso: "1980-03-04")!,
      contact: nil)
    return try EnrollmentService(coordinator(site)).enroll(
      EnrollmentRequest(
        protocolCode: code, site: site, identity: identity, sex: .female,
        consent: Consent(version: "1.0", signedOn: Self.enrolledOn),
        enrolledOn: Self.enrolledOn, measures: measures))
  }

  /// First `n` study IDs of an arm among `results`.
  static func ids(_ results: [EnrollmentResult], arm: String) -> [String] {
    results.filter { $0.arm == arm }.map(\.studyID)
  }

  /// A lot entry passing every release item, with overrides.
  static func entry(
    _ number: String, source: String = "umbilical_cord", product: String = "cells",
    passage: String = "3", viability: String = "92", markers: [String: String]? = nil,
    sterility: String? = "negative", mycoplasma: String? = "negative",
    endotoxin: String? = "0.1", manufactured: String = "2025-12-01",
    expires: String = "2026-12-31"
  ) -> LotEntry {
    LotEntry(
      lotNumber: number, source: source, donor: "allogeneic", product: product,
      passage: passage, viability: viability,
      markers: markers ?? [
        "cd73": "99", "cd90": "98.5", "cd105": "97", "cd45": "0.5", "cd34": "0.3",
        "cd14": "0.4", "cd19": "0.2", "hla_dr": "0.6",
      ], sterility: sterility, mycoplasma: mycoplasma, endotoxin: endotoxin,
      manufactured: manufactured, expires: expires)
  }

  /// Adds a lot and, unless `release` is false, releases it.
  @discardableResult
  func lot(_ entry: LotEntry, release: Bool = true) throws -> MSCLot {
    let lots = LotService(admin)
    let lot = try lots.add(entry, today: Self.today)
    return release
      ? try lots.release(lotNumber: lot.lotNumber, today: CalendarDate(iso: "2026-01-01")!) : lot
  }

  /// Records an infusion through the service with `today` fixed.
  @discardableResult
  func infuse(
    _ id: String, lot: String, on date: String, weightKg: Double = 70, cells: Double,
    route: Route = .iv
  ) throws -> Infusion {
    try InfusionService(coordinator(of: id)).record(
      InfusionEntry(
        studyID: id, lotNumber: lot, date: CalendarDate(iso: date)!, weightKg: weightKg,
        cells: cells, route: route), today: Self.today)
  }

  /// Row counts of the lot and infusion tables, statuses and the last audit id: equal before
  /// and after a refusal when nothing changed.
  func fingerprint() throws -> [String] {
    let c = try db.connect()
    defer { c.close() }
    let row = try c.query(
      """
      SELECT (SELECT count(*) FROM registry.infusion)::text AS infusions,
             (SELECT count(*) FROM registry.infusion WHERE voided_at IS NULL)::text AS live,
             (SELECT count(*) FROM registry.msc_lot)::text AS lots,
             (SELECT string_agg(lot_number || '=' || status, ',' ORDER BY lot_number)
                FROM registry.msc_lot) AS lot_status,
             (SELECT string_agg(study_id || '=' || status, ',' ORDER BY study_id)
                FROM registry.patient) AS patient_status,
             (SELECT coalesce(max(id), 0) FROM audit.log)::text AS audit
      """
    ).rows[0]
    return try ["infusions", "live", "lots", "lot_status", "patient_status", "audit"].map {
      (try row.decode($0, as: String?.self)) ?? ""
    }
  }

  /// Runs `body`, expects a refusal naming `field` whose message contains every fragment, and
  /// that nothing was written.
  @discardableResult
  func expectRefused(
    _ field: String, _ fragments: [String], kind: RegistryError.Kind = .refused,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
  ) throws -> RegistryError? {
    let before = try fingerprint()
    var caught: RegistryError?
    do {
      try body()
      Issue.record("expected a refusal naming \(field)", sourceLocation: sourceLocation)
    } catch let error as RegistryError {
      caught = error
      #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
      #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
      for fragment in fragments {
        #expect(
          error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
      }
    }
    #expect(
      try fingerprint() == before, "nothing changes on refusal", sourceLocation: sourceLocation)
    return caught
  }

  /// Audit rows of a table, in order.
  func audit(table: String) throws -> [AuditEntry] {
    try AuditService(monitor).entries().filter { $0.table == table }
  }

  /// Runs SQL behind the registry's back in one transaction with an audit reason.
  func sql(_ statement: String, reason: String = "test set-up") throws {
    let c = try db.connect()
    defer { c.close() }
    try c.transaction { tx in
      try tx.query("SELECT set_config('mscreg.reason', $1, true)", [reason])
      try tx.execute(statement)
    }
  }
}
