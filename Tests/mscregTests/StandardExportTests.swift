import Foundation
import RegistryDomain
import RegistryStore
import TestSupport
import Testing

/// `mscreg export --format fhir`, run as the roles that read (monitor, investigator).
@Suite struct StandardExportTests {
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
