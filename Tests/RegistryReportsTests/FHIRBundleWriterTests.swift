import Foundation
import RegistryDomain
import Testing

@testable import RegistryReports

/// The FHIR bundle writer on hand-made rows: what each resource carries.
@Suite struct FHIRBundleWriterTests {
  static func layout(_ name: String) throws -> ExportTableLayout {
    try #require(DeidentifiedExport.layouts.first { $0.name == name })
  }

  static func record(_ table: String, _ values: [String: String]) throws -> DeidentifiedRecord {
    let layout = try layout(table)
    return DeidentifiedRecord(
      layout: layout, cells: layout.columns.map { values[$0.name] ?? "" })
  }

  static func write(_ records: [DeidentifiedRecord]) throws -> (String, [[String: Any]]) {
    var text = ""
    let writer = FHIRBundleWriter { text += $0 }
    try writer.begin(
      StandardExportHeader(
        trial: try ReportFixtures.trial("aclf-bmmsc"), versions: [1],
        auditHead: AuditAnchor(chain: "audit.log", id: 42, hash: "ab12", at: "x")))
    for record in records { try writer.record(record) }
    try writer.finish()
    let bundle = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect((bundle["identifier"] as? [String: Any])?["value"] as? String == "audit.log#42:ab12")
    let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap {
      $0["resource"] as? [String: Any]
    }
    #expect(resources.count == writer.entryCount)
    return (text, resources)
  }

  @Test func patientsCarryNoBirthYearFrom90AndDecimalsStayExact() throws {
    let (text, resources) = try Self.write([
      try Self.record(
        "patients",
        [
          "study_id": "ACLF-PAN-0001", "sex": "M", "birth_year": "", "age_at_enrollment": "90+",
          "arm": "msc", "status": "died", "status_day": "40",
        ]),
      try Self.record(
        "patients",
        [
          "study_id": "ACLF-PAN-0002", "sex": "F", "birth_year": "1970",
          "age_at_enrollment": "56", "arm": "control", "status": "enrolled",
        ]),
      try Self.record(
        "assessments",
        ["study_id": "ACLF-PAN-0002", "visit_code": "day7", "assessed_day": "7", "inr": "1.20"]
      ),
      try Self.record(
        "adverse_events",
        [
          "adverse_event_id": "9", "study_id": "ACLF-PAN-0002", "grade": "3",
          "relatedness": "possible", "onset_day": "2", "infusion_id": "77",
        ]),
    ])
    let patients = resources.filter { $0["resourceType"] as? String == "Patient" }
    #expect(patients.count == 2)
    #expect(patients[0]["birthDate"] == nil)
    #expect(patients[1]["birthDate"] as? String == "1970")
    #expect(text.contains("\"value\":1.20,"))
    #expect(text.contains("\"code\":\"6301-6\""))
    let event = try #require(resources.first { $0["resourceType"] as? String == "AdverseEvent" })
    // The infusion 77 is not in the bundle (voided): no dangling reference.
    #expect(event["suspectEntity"] == nil)
    #expect(text.contains("\"code\":\"severe\""))
  }

  @Test func aNonNumericValueIsAnErrorNotAlteredText() throws {
    #expect(throws: RegistryError.self) {
      _ = try Self.write([
        try Self.record(
          "assessments", ["study_id": "ACLF-PAN-0002", "visit_code": "day7", "inr": "1,2"])
      ])
    }
    for good in ["0", "-3", "0.5", "12.250"] {
      #expect(try FHIRJSON.decimal(good, field: "f").text == good)
    }
    for bad in ["01", ".5", "5.", "1e3", "NaN", "", "-"] {
      #expect(throws: RegistryError.self) { try FHIRJSON.decimal(bad, field: "f") }
    }
  }
}
