import Foundation
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF line ends).
func parseCSV(_ text: String) -> [[String]] {
  var rows: [[String]] = []
  var row: [String] = []
  var field = ""
  var quoted = false
  var chars = Array(text)[...]
  while let c = chars.popFirst() {
    if quoted {
      if c == "\"" {
        if chars.first == "\"" {
          field.append("\"")
          chars.removeFirst()
        } else {
          quoted = false
        }
      } else {
        field.append(c)
      }
    } else if c == "\"" {
      quoted = true
    } else if c == "," {
      row.append(field)
      field = ""
    } else if c == "\n" || c == "\r\n" || c == "\r" {
      row.append(field)
      rows.append(row)
      row = []
      field = ""
    } else {
      field.append(c)
    }
  }
  if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
  return rows
}

@Suite(.blocking) struct AuditExportCLITests {
  @Test func auditVerifyReportsOKThenEveryBreak() throws {
    try TestDatabase.with { db in
      // Verified and read by the monitor; tampered with as the owner.
      let f = try RegistryFixture(db)
      let ok = try f.run(["audit", "verify"])
      #expect(ok.status == 0, "\(ok.stderr)")
      #expect(ok.stdout.contains("audit.log: OK, "))
      // No patient yet: the identity chain holds only the seed-bearing columns of the two
      // protocol loads (migration 0091).
      #expect(ok.stdout.contains("identity.audit_log: OK, 2 rows"))
      let json = try f.run(["audit", "verify", "--format", "json"])
      let doc = try JSONDecoder().decode(JSONAny.self, from: Data(json.stdout.utf8))
      #expect(doc["ok"].map { if case .bool(true) = $0 { true } else { false } } == true)
      #expect(doc["chains"]?.array?.count == 2)

      let c = try db.connect()
      let target: Int = try c.query("SELECT min(id)::int + 2 AS id FROM audit.log").rows[0]
        .decode("id")
      try c.execute(
        """
        SET session_replication_role = replica;
        UPDATE audit.log SET db_role = 'someone_else' WHERE id = \(target);
        SET session_replication_role = origin;
        """)
      let broken = try f.run(["audit", "verify"])
      #expect(broken.status == 65)
      #expect(broken.stdout.contains("audit.log: BROKEN, "))
      #expect(broken.stdout.contains("audit.log: row \(target): row_digest: "))
      #expect(broken.stdout.contains("audit.log: entry "))
      #expect(broken.stderr.hasPrefix("error: audit.log: "))
      #expect(broken.stderr.contains("first at row \(target) (row_digest)"))
      #expect(broken.stderr.split(separator: "\n").count == 1)
      let brokenJSON = try f.run(["audit", "verify", "--format", "json"])
      #expect(brokenJSON.status == 65)
      let chains = try JSONDecoder().decode(JSONAny.self, from: Data(brokenJSON.stdout.utf8))
      #expect(chains["chains"]?.array?[0]["breaks"]?.array?[0]["id"]?.number == Double(target))
      #expect(chains["ok"].map { if case .bool(false) = $0 { true } else { false } } == true)
      // `audit [KEY]` still shows the trail.
      let show = try f.run(["audit", "PAN"])
      #expect(show.status == 0)
      #expect(show.stdout.contains("INSERT registry.site PAN"))
      let explicit = try f.run(["audit", "show", "PAN", "--format", "json"])
      #expect(explicit.status == 0 && explicit.stdout.contains("\"row_key\" : \"PAN\""))
    }
  }

  @Test func exportRefusesWithoutDeidentified() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let out = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mscreg-export-\(UUID().uuidString)")
      let result = try f.run(
        ["export", "--protocol", "SLE-UCMSC", "--format", "csv", "--output", out.path])
      #expect(result.status == 64)
      #expect(result.stderr.hasPrefix("error: --deidentified: "))
      #expect(!FileManager.default.fileExists(atPath: out.path))
      let unknown = try f.run(
        ["export", "--protocol", "NOPE", "--deidentified", "--output", out.path])
      #expect(unknown.status == 66)
      #expect(unknown.stderr.hasPrefix("error: --protocol: "))
    }
  }

  @Test func deidentifiedExportHoldsNoIdentifierAndShiftsEveryDate() throws {
    try TestDatabase.with { db in
      // The admin loads the protocol, GZU's coordinator enrolls and records, an investigator
      // (every site) exports.
      let fixture = try RegistryFixture(db)
      // ACLF-BMMSC with no upper age limit, so that a 92-year-old can be enrolled.
      let yaml = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("aclf-bmmsc.yaml"),
        encoding: .utf8
      )
      .replacingOccurrences(of: "code: ACLF-BMMSC", with: "code: ACLF-OLD")
      .replacingOccurrences(of: "study_id_prefix: ACLF", with: "study_id_prefix: OLD")
      .replacingOccurrences(of: "{min: 18, max: 70}", with: "{min: 18, max: 110}")
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mscreg-export-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: folder) }
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let file = folder.appendingPathComponent("aclf-old.yaml")
      try Data(yaml.utf8).write(to: file)
      _ = try ProtocolService(fixture.admin).load(file: file)

      let liver = RawMeasures(
        creatinine: "1.4", bilirubin: "8.5", inr: "1.9", sodium: "132", albumin: "2.9",
        ascites: "mild", encephalopathy: "none")
      var seeded: [(mrn: String, birth: String)] = [("MRN-OLDEST-7731", "1934-03-15")]
      for i in 1...5 { seeded.append(("MRN-EXP-55\(i)0", "1975-01-1\(i)")) }
      var ids: [String] = []
      for (mrn, birth) in seeded {
        ids.append(
          try EnrollmentService(fixture.coordinator("GZU")).enroll(
            try RegistryFixture.request(
              protocolCode: "ACLF-OLD", mrn: mrn, site: "GZU", sex: .male,
              enrolledOn: "2026-06-01", birthDate: birth, consentDate: "2026-05-31", raw: liver)
          ).studyID)
      }
      // A screen failure (MELD too low): in the screening log without a study ID.
      #expect(throws: RegistryError.self) {
        try EnrollmentService(fixture.coordinator("GZU")).enroll(
          try RegistryFixture.request(
            protocolCode: "ACLF-OLD", mrn: "MRN-FAIL-9", site: "GZU", sex: .female,
            enrolledOn: "2026-06-01", birthDate: "1960-02-02", consentDate: "2026-05-31",
            raw: RawMeasures(creatinine: "0.8", bilirubin: "1.0", inr: "1.0", sodium: "140")))
      }
      // (The MSC-arm patient found as the owner; the released lot inserted behind the lot
      // workflow.)
      let c = try db.connect()
      let treated: String = try c.query(
        "SELECT study_id FROM registry.patient WHERE protocol_code = 'ACLF-OLD' AND arm = 'msc' ORDER BY study_id LIMIT 1"
      ).rows[0].decode("study_id")
      try db.insertReleasedLot(
        "BM-EXP-1", source: "bone_marrow", manufactured: CalendarDate(iso: "2026-05-01")!,
        expires: CalendarDate(iso: "2027-05-01")!)
      let infusion = try InfusionService(fixture.coordinator("GZU")).record(
        InfusionEntry(
          studyID: treated, lotNumber: "BM-EXP-1", date: CalendarDate(iso: "2026-06-11")!,
          weightKg: 70, cells: 4.9e7))
      let aes = AdverseEventService(fixture.coordinator("GZU"))
      _ = try aes.add(
        studyID: treated,
        .init(
          term: "Fever, told FamilyMRN-EXP-5510 on 2026-06-12", grade: .mild,
          relatedness: .possible, onset: CalendarDate(iso: "2026-06-12")!,
          resolved: CalendarDate(iso: "2026-06-14")!, infusionID: infusion.id))
      let voided = try aes.add(
        studyID: treated,
        .init(
          term: "Entered in error", grade: .moderate, relatedness: .unrelated,
          onset: CalendarDate(iso: "2026-06-20")!))
      _ = try aes.void(studyID: treated, eventID: voided.event.id, reason: "wrong patient")
      let other = ids.first { $0 != treated }!
      _ = try ClinicalEventService(fixture.coordinator("GZU")).add(
        studyID: other, kind: .liverTransplant, on: CalendarDate(iso: "2026-07-01")!)

      let out = folder.appendingPathComponent("export")
      let result = try fixture.run(
        [
          "export", "--protocol", "ACLF-OLD", "--deidentified", "--format", "csv", "--output",
          out.path,
        ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("wrote 9 files to "))

      var tables: [String: [[String: String]]] = [:]
      var everything = ""
      for layout in DeidentifiedExport.layouts {
        let text = try String(
          contentsOf: out.appendingPathComponent(layout.name + ".csv"), encoding: .utf8)
        everything += text
        let rows = parseCSV(text)
        #expect(rows.first == layout.columns.map(\.name), "\(layout.name) header")
        tables[layout.name] = rows.dropFirst().map {
          Dictionary(uniqueKeysWithValues: zip(rows[0], $0))
        }
      }
      let patients = try #require(tables["patients"])
      #expect(patients.count == 6)
      let oldest = try #require(patients.first { $0["study_id"] == ids[0] })
      #expect(oldest["age_at_enrollment"] == "90+")
      #expect(oldest["birth_year"] == "")
      let younger = try #require(patients.first { $0["study_id"] == ids[1] })
      #expect(younger["age_at_enrollment"] == "51")
      #expect(younger["birth_year"] == "1975")
      let screening = try #require(tables["screening"])
      #expect(screening.count == 7)
      let failed = try #require(screening.first { $0["eligible"] == "false" })
      #expect(failed["study_id"] == "" && failed["screened_day"] == "")
      #expect(failed["failed_criteria"]?.contains("meld") == true)
      #expect(
        screening.filter { $0["eligible"] == "true" }.allSatisfy { $0["screened_day"] == "0" })
      #expect(try #require(tables["consents"]).allSatisfy { $0["signed_day"] == "-1" })
      #expect(try #require(tables["assessments"]).allSatisfy { $0["assessed_day"] == "0" })
      let infusions = try #require(tables["infusions"])
      #expect(infusions.count == 1 && infusions[0]["infused_day"] == "10")
      let events = try #require(tables["adverse_events"])
      #expect(events.count == 1, "the voided event is left out")
      #expect(events[0]["onset_day"] == "11" && events[0]["resolved_day"] == "13")
      #expect(events[0]["infusion_id"] == infusions[0]["infusion_id"])
      #expect(try #require(tables["clinical_events"]).first?["occurred_day"] == "30")
      let lots = try #require(tables["lots"])
      #expect(lots.count == 1 && lots[0]["shelf_life_days"] == "365")

      // No identifier, seeded date, free text or calendar date anywhere.
      let identities = try c.query(
        "SELECT mrn, given_name, family_name, birth_date::text AS b FROM identity.patient_identity")
      #expect(identities.rows.count == 6)
      for row in identities.rows {
        for column in ["mrn", "given_name", "family_name", "b"] {
          let value: String = try row.decode(column)
          #expect(!everything.contains(value), "\(column) \(value) leaked")
        }
      }
      for secret in ["MRN-FAIL-9", "Fever", "wrong patient", "Entered in error", "2026-"] {
        #expect(!everything.contains(secret), "\(secret) leaked")
      }
      #expect(everything.range(of: #"\d{4}-\d{2}-\d{2}"#, options: .regularExpression) == nil)
    }
  }

  @Test func theExportSQLNeverNamesTheIdentitySchema() throws {
    #expect(Set(ExportRepository.statements.keys) == Set(DeidentifiedExport.layouts.map(\.name)))
    for (table, sql) in ExportRepository.statements {
      #expect(!sql.lowercased().contains("identity"), "\(table)")
    }
    let source = try String(
      contentsOf: TestDatabase.repositoryRoot.appendingPathComponent(
        "Sources/RegistryStore/ExportRepository.swift"), encoding: .utf8)
    #expect(!source.contains("identity."))
  }
}
