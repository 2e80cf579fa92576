import Foundation
import RegistryDomain
import RegistryStore
import TestSupport
import Testing

/// `mscreg export --format fhir`, run as the roles that read (monitor, investigator).
@Suite(.blocking) struct StandardExportTests {
  static func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "mscreg-\(UUID().uuidString)-\(name)")
  }

  @Test func monitorExportsAFHIRBundleNamingTheAuditHeadWithoutIdentifiers() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let seed = try CLIRunner.run(
        ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "8", "--sites", "PAN,BOG"],
        database: db)
      #expect(seed.status == 0, "\(seed.stderr)")
      let anchorFile = Self.temporaryFile("anchor.json")
      defer { try? FileManager.default.removeItem(at: anchorFile) }
      let anchor = try s.cli(s.monitor, ["audit", "anchor", "--output", anchorFile.path])
      #expect(anchor.status == 0, "\(anchor.stderr)")
      let document = try JSONDecoder().decode(
        AuditAnchorDocument.self, from: try Data(contentsOf: anchorFile))
      let head = try #require(document.chains.first { $0.chain == "audit.log" })

      for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
        let out = Self.temporaryFile("\(code).json")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try s.cli(
          s.monitor,
          [
            "export", "--protocol", code, "--deidentified", "--format", "fhir", "--output",
            out.path,
          ])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: out, encoding: .utf8)
        let bundle = try #require(
          try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle")
        #expect(bundle["type"] as? String == "collection")
        let identifier = bundle["identifier"] as? [String: Any]
        #expect(identifier?["system"] as? String == "urn:mscreg:audit-chain-head")
        #expect(identifier?["value"] as? String == "audit.log#\(head.id):\(head.hash)")
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap {
          $0["resource"] as? [String: Any]
        }
        let types = Set(resources.compactMap { $0["resourceType"] as? String })
        #expect(types.isSuperset(of: ["ResearchStudy", "ResearchSubject", "Patient", "Consent"]))
        if code == "ACLF-BMMSC" {
          #expect(
            types.isSuperset(of: ["Observation", "Procedure", "BiologicallyDerivedProduct"]),
            "\(types)")
        } else {
          let ids = resources.filter { $0["resourceType"] as? String == "Patient" }.compactMap {
            $0["id"] as? String
          }
          #expect(Set(ids) == [s.panPatient, s.bogPatient])
        }
        for secret in ["SEC-MRN-PAN", "SEC-MRN-BOG", "1990-04-02"] {
          #expect(!text.contains(secret), "\(secret) in the \(code) bundle")
        }
        #expect(text.range(of: #"\d{4}-\d\d-\d\d"#, options: .regularExpression) == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(
          atPath: out.deletingLastPathComponent().path
        ).filter { $0.hasPrefix(out.lastPathComponent + ".partial") }
        #expect(leftovers.isEmpty)
      }
    }
  }

  @Test func monitorExportsAnODMSnapshotWithOneSubjectDataPerStudyID() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let seed = try CLIRunner.run(
        ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "8", "--sites", "PAN,BOG"],
        database: db)
      #expect(seed.status == 0, "\(seed.stderr)")
      let anchorFile = Self.temporaryFile("anchor.json")
      defer { try? FileManager.default.removeItem(at: anchorFile) }
      _ = try s.cli(s.monitor, ["audit", "anchor", "--output", anchorFile.path])
      let document = try JSONDecoder().decode(
        AuditAnchorDocument.self, from: try Data(contentsOf: anchorFile))
      let head = try #require(document.chains.first { $0.chain == "audit.log" })
      for code in ["SLE-UCMSC", "ACLF-BMMSC"] {
        let out = Self.temporaryFile("\(code).xml")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try s.cli(
          s.monitor,
          ["export", "--protocol", code, "--deidentified", "--format", "odm", "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("FileType=\"Snapshot\""))
        #expect(text.contains("audit.log#\(head.id):\(head.hash)"))
        let keys = text.components(separatedBy: "<SubjectData SubjectKey=\"").dropFirst().map {
          String($0.prefix { $0 != "\"" })
        }
        #expect(keys.count == Set(keys).count)
        if code == "SLE-UCMSC" {
          #expect(Set(keys) == [s.panPatient, s.bogPatient])
        } else {
          #expect(keys.count == 8)
          #expect(text.contains("<ReferenceData "))
        }
        for secret in ["SEC-MRN-PAN", "SEC-MRN-BOG", "1990-04-02"] {
          #expect(!text.contains(secret), "\(secret) in the \(code) ODM file")
        }
      }
    }
  }

  /// Every ItemData of the ODM file carries the AuditRecord of its record's latest audit row:
  /// the user who wrote it, the patient's site, the time in study time (computed here apart,
  /// in SQL, from the real time and the enrollment date), the coded reason, the row id.
  @Test func odmItemDataCarryTheirRecordsLatestAuditRowInStudyTime() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let amend = try s.cli(
        s.coordinatorPAN,
        ["patient", "amend", s.panPatient, "--sex", "M", "--reason", "sex entered in error"])
      #expect(amend.status == 0, "\(amend.stderr)")
      let out = Self.temporaryFile("audit.xml")
      defer { try? FileManager.default.removeItem(at: out) }
      let result = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "odm", "--output",
          out.path,
        ])
      #expect(result.status == 0, "\(result.stderr)")
      let text = try String(contentsOf: out, encoding: .utf8)
      #expect(text.contains("2000-01-01T00:00:00Z is the patient&apos;s day 0"))
      let items = text.components(separatedBy: "<ItemData ").count - 1
      #expect(items > 10)
      #expect(
        text.components(separatedBy: "<AuditRecord EditPoint=\"DBAudit\">").count - 1 == items)
      #expect(text.contains("<User OID=\"USR.\(s.coordinatorPAN)\">"))
      for site in ["PAN", "BOG"] {
        #expect(text.contains("<Location OID=\"LOC.\(site)\" Name=\"\(site)\""))
      }
      let c = try db.connect()
      for (patient, site) in [(s.panPatient, "PAN"), (s.bogPatient, "BOG")] {
        let row = try #require(
          try c.query(
            """
            SELECT l.id::text AS id, l.action, l.db_role, p.sex,
                   to_char(timestamp '2000-01-01' + ((l.at AT TIME ZONE 'UTC')
                     - p.enrolled_on::timestamp), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS study_time,
                   to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS real_day
            FROM audit.log l JOIN registry.patient p ON p.study_id = l.row_key
            WHERE l.table_name = 'registry.patient' AND p.study_id = $1
            ORDER BY l.id DESC LIMIT 1
            """, [patient]
          ).rows.first)
        let studyTime = try #require(row["study_time"])
        #expect(studyTime.hasPrefix("2000-"), "\(studyTime)")
        #expect(!text.contains("<DateTimeStamp>\(try #require(row["real_day"]))"))
        let reason =
          row["action"] == "INSERT"
          ? ""
          : "<ReasonForChange>amended (reason recorded in the registry&apos;s audit trail)"
            + "</ReasonForChange>"
        if patient == s.panPatient {
          #expect(row["action"] == "UPDATE" && row["db_role"] == s.coordinatorPAN)
        }
        let expected =
          "<ItemData ItemOID=\"IT.PATIENTS.SEX\" Value=\"\(try #require(row["sex"]))\">"
          + "<AuditRecord EditPoint=\"DBAudit\"><UserRef UserOID=\"USR.\(try #require(row["db_role"]))\"/>"
          + "<LocationRef LocationOID=\"LOC.\(site)\"/><DateTimeStamp>\(studyTime)</DateTimeStamp>"
          + reason + "<SourceID>\(try #require(row["id"]))</SourceID></AuditRecord></ItemData>"
        #expect(text.contains(expected), "\(patient): \(expected)")
      }
      // Every stamp is on the study-time calendar: no year of the real cohort (2026).
      let years = text.components(separatedBy: "<DateTimeStamp>").dropFirst().map { $0.prefix(4) }
      #expect(!years.isEmpty && years.allSatisfy { $0 == "1999" || $0 == "2000" }, "\(Set(years))")
      #expect(!text.contains("sex entered in error"))
    }
  }

  /// The audited queries are the export's queries plus the audit join: every table, no
  /// identity schema, no reason text (only the coded kind of change leaves the registry).
  @Test func auditedExportSQLReadsNoIdentityNorReason() throws {
    #expect(
      Set(ExportRepository.auditedStatements.keys) == Set(DeidentifiedExport.layouts.map(\.name)))
    for (table, sql) in ExportRepository.auditedStatements {
      let text = sql.lowercased()
      #expect(!text.contains("identity") && !text.contains("reason"), "\(table)")
      #expect(text.contains("from audit.log al where al.table_name = 'registry."), "\(table)")
      let plain = try #require(ExportRepository.statements[table])
      // Same rows in the same order: the plain query's ORDER BY ends it.
      let order = try #require(plain.components(separatedBy: "\n").last)
      #expect(order.hasPrefix("ORDER BY ") && sql.hasSuffix("\n" + order), "\(table)")
    }
  }

  @Test func investigatorIsRefusedAndNothingIsWritten() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let out = Self.temporaryFile("inv.json")
      for format in ["fhir", "odm"] {
        let result = try s.cli(
          s.investigatorPAN,
          [
            "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", format, "--output",
            out.path,
          ])
        #expect(result.status == 77)
        #expect(result.stderr.hasPrefix("error: audit.log: "), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
      }
      let unknown = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "NOPE", "--deidentified", "--format", "fhir", "--output",
          out.path,
        ])
      #expect(unknown.status == 66)
      #expect(unknown.stderr.hasPrefix("error: --protocol: "))
      #expect(!FileManager.default.fileExists(atPath: out.path))
      let bad = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "xml", "--output",
          out.path,
        ])
      #expect(bad.status == 64)
    }
  }

  /// The cursor-streamed rows are the rows of the one-query read, for every table, also one
  /// row per fetch.
  @Test func streamedRowsEqualTheQueriedRows() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      let seed = try CLIRunner.run(
        ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "6", "--sites", "PAN,BOG"],
        database: db)
      #expect(seed.status == 0, "\(seed.stderr)")
      let store = try Store(conninfo: db.conninfo)
      try store.transaction(isolation: .repeatableRead) {
        let export = ExportRepository(store)
        var total = 0
        for layout in DeidentifiedExport.layouts {
          let queried = try export.rows(layout, protocolCode: "ACLF-BMMSC")
          for batch in [1, 1000] {
            var streamed: [ExportRawRow] = []
            try export.forEachRow(layout, protocolCode: "ACLF-BMMSC", batch: batch) {
              streamed.append($0)
            }
            #expect(streamed == queried, "\(layout.name), batch \(batch)")
          }
          total += queried.count
        }
        #expect(total > 50)
      }
    }
  }
}
