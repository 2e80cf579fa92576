import Foundation
import RegistryDomain
import Testing

@testable import RegistryReports

/// The ODM writer's AuditRecords and the study-time rule behind their DateTimeStamp.
@Suite struct ODMAuditRecordTests {
  static func layout(_ name: String) throws -> ExportTableLayout {
    try #require(DeidentifiedExport.layouts.first { $0.name == name })
  }

  static func raw(
    _ table: String, enrolledOn: String?, audit: ExportRawAudit?
  ) throws -> ExportRawRow {
    let layout = try layout(table)
    return ExportRawRow(
      enrolledOn: enrolledOn.flatMap { CalendarDate(iso: $0) }, ageAtEnrollment: 50,
      values: layout.columns.map { _ in nil }, audit: audit)
  }

  static func rawAudit(
    id: Int64 = 7, at: String, action: String = "INSERT", voids: Bool = false,
    site: String? = "PAN", firstOn: String? = nil
  ) -> ExportRawAudit {
    ExportRawAudit(
      id: id, atUTC: at, dbRole: "coord_ana", action: action, voids: voids, site: site,
      firstOn: firstOn.flatMap { CalendarDate(iso: $0) })
  }

  @Test func studyTimeMapsDayZeroTo2000AndKeepsTimeOfDayAndIntervals() throws {
    let day0 = try #require(CalendarDate(iso: "2025-04-07"))
    #expect(
      Deidentification.studyTime(utc: "2025-04-07T09:04:37Z", dayZero: day0)
        == "2000-01-01T09:04:37Z")
    // Fractions of a second are dropped; the day before enrollment is 1999-12-31.
    #expect(
      Deidentification.studyTime(utc: "2025-04-06T23:59:59.999999Z", dayZero: day0)
        == "1999-12-31T23:59:59Z")
    // 60 days later crosses 2000-02-29 (a leap day): 2000-03-01.
    #expect(
      Deidentification.studyTime(utc: "2025-06-06T00:00:00Z", dayZero: day0)
        == "2000-03-01T00:00:00Z")
    // Intervals are kept, not anniversaries: 730 days later is 2001-12-31 (2000 is leap).
    #expect(
      Deidentification.studyTime(utc: "2027-04-07T12:00:00Z", dayZero: day0)
        == "2001-12-31T12:00:00Z")
    for bad in ["2025-04-07", "2025-04-07T25:00:00Z", "2025-04-07T09:04:37", "x", ""] {
      #expect(Deidentification.studyTime(utc: bad, dayZero: day0) == nil, "\(bad)")
    }
  }

  @Test func auditStampsShiftToStudyTimeAndCodeTheChange() throws {
    let insert = try #require(
      try DeidentifiedExport.audit(
        try Self.raw(
          "patients", enrolledOn: "2025-04-07", audit: Self.rawAudit(at: "2025-04-08T10:00:00Z")),
        table: "patients"))
    #expect(insert.studyTime == "2000-01-02T10:00:00Z")
    #expect(insert.change == .inserted && insert.change.codedReason == nil)
    #expect(insert.user == "coord_ana" && insert.site == "PAN" && insert.sourceID == 7)
    let amended = try DeidentifiedExport.audit(
      try Self.raw(
        "assessments", enrolledOn: "2025-04-07",
        audit: Self.rawAudit(at: "2025-05-01T08:00:00Z", action: "UPDATE")),
      table: "assessments")
    #expect(amended?.change == .amended)
    #expect(
      amended?.change.codedReason == "amended (reason recorded in the registry's audit trail)")
    let voided = try DeidentifiedExport.audit(
      try Self.raw(
        "infusions", enrolledOn: "2025-04-07",
        audit: Self.rawAudit(at: "2025-05-01T08:00:00Z", action: "UPDATE", voids: true)),
      table: "infusions")
    #expect(voided?.change.codedReason == "voided (reason recorded in the registry's audit trail)")
    // A lot (no patient): day 0 is the UTC date of its first audit row.
    let lot = try DeidentifiedExport.audit(
      try Self.raw(
        "lots", enrolledOn: nil,
        audit: Self.rawAudit(at: "2025-03-03T07:00:00Z", site: nil, firstOn: "2025-03-01")),
      table: "lots")
    #expect(lot?.studyTime == "2000-01-03T07:00:00Z" && lot?.site == nil)
    // No audit row read: no stamp. A time that is not UTC ISO 8601: an internal error.
    #expect(
      try DeidentifiedExport.audit(try Self.raw("lots", enrolledOn: nil, audit: nil), table: "lots")
        == nil)
    #expect(throws: RegistryError.self) {
      try DeidentifiedExport.audit(
        try Self.raw("patients", enrolledOn: "2025-04-07", audit: Self.rawAudit(at: "soon")),
        table: "patients")
    }
  }

  @Test func everyItemDataCarriesTheRecordsAuditRecordAndAdminDataDeclaresItsRefs() throws {
    var text = ""
    let writer = ODMWriter(creationDateTime: "2026-12-02T09:00:00Z") { text += $0 }
    try writer.begin(
      StandardExportHeader(
        trial: try ReportFixtures.trial("aclf-bmmsc"), versions: [1],
        auditHead: AuditAnchor(chain: "audit.log", id: 42, hash: "ab12", at: "x"),
        auditUsers: ["coord_ana", "mscreg"], auditSites: ["PAN"]))
    let patients = try Self.layout("patients")
    let lots = try Self.layout("lots")
    func cells(_ layout: ExportTableLayout, _ values: [String: String]) -> [String] {
      layout.columns.map { values[$0.name] ?? "" }
    }
    try writer.record(
      DeidentifiedRecord(
        layout: lots, cells: cells(lots, ["lot_number": "L-1", "donor": "allogeneic"]),
        audit: ExportAuditStamp(
          sourceID: 3, studyTime: "2000-01-01T07:00:00Z", user: "mscreg", site: nil,
          change: .inserted)))
    try writer.record(
      DeidentifiedRecord(
        layout: patients,
        cells: cells(patients, ["study_id": "ACLF-PAN-0001", "sex": "M", "status": "treated"]),
        audit: ExportAuditStamp(
          sourceID: 19, studyTime: "2000-01-09T10:11:12Z", user: "coord_ana", site: "PAN",
          change: .amended)))
    try writer.finish()
    #expect(text.contains("audit.log#42:ab12"))
    #expect(text.contains("2000-01-01T00:00:00Z is the patient&apos;s day 0"))
    #expect(
      text.contains(
        "<AdminData StudyOID=\"ST.ACLF-BMMSC\">\n<User OID=\"USR.coord_ana\"><LoginName>coord_ana"))
    #expect(text.contains("<Location OID=\"LOC.PAN\" Name=\"PAN\" LocationType=\"Site\">"))
    #expect(text.contains("<Location OID=\"LOC.REGISTRY\""))
    // AdminData between Study and ReferenceData, as the schema orders them.
    let admin = try #require(text.range(of: "<AdminData "))
    #expect(text.range(of: "</Study>")!.lowerBound < admin.lowerBound)
    #expect(admin.upperBound < text.range(of: "<ReferenceData ")!.lowerBound)
    let items = text.components(separatedBy: "<ItemData ").count - 1
    #expect(items == 5)
    #expect(text.components(separatedBy: "<AuditRecord EditPoint=\"DBAudit\">").count - 1 == items)
    #expect(
      text.contains(
        "<ItemData ItemOID=\"IT.PATIENTS.SEX\" Value=\"M\"><AuditRecord EditPoint=\"DBAudit\">"
          + "<UserRef UserOID=\"USR.coord_ana\"/><LocationRef LocationOID=\"LOC.PAN\"/>"
          + "<DateTimeStamp>2000-01-09T10:11:12Z</DateTimeStamp>"
          + "<ReasonForChange>amended (reason recorded in the registry&apos;s audit trail)"
          + "</ReasonForChange><SourceID>19</SourceID></AuditRecord></ItemData>"))
    #expect(
      text.contains(
        "<ItemData ItemOID=\"IT.LOTS.LOT_NUMBER\" Value=\"L-1\"><AuditRecord EditPoint=\"DBAudit\">"
          + "<UserRef UserOID=\"USR.mscreg\"/><LocationRef LocationOID=\"LOC.REGISTRY\"/>"
          + "<DateTimeStamp>2000-01-01T07:00:00Z</DateTimeStamp><SourceID>3</SourceID>"
          + "</AuditRecord></ItemData>"))
  }

  @Test func withoutAuditStampsTheFileHasNoAdminDataNorAuditRecord() throws {
    var text = ""
    let writer = ODMWriter(creationDateTime: "2026-12-02T09:00:00Z") { text += $0 }
    try writer.begin(
      StandardExportHeader(
        trial: try ReportFixtures.trial("aclf-bmmsc"), versions: [1], auditHead: nil))
    let patients = try Self.layout("patients")
    try writer.record(
      DeidentifiedRecord(
        layout: patients,
        cells: patients.columns.map { $0.name == "study_id" ? "ACLF-PAN-0001" : "" }))
    try writer.finish()
    #expect(!text.contains("<AdminData") && !text.contains("<AuditRecord"))
    #expect(text.contains("<ItemData ItemOID=\"IT.PATIENTS.STUDY_ID\" Value=\"ACLF-PAN-0001\"/>"))
  }
}
