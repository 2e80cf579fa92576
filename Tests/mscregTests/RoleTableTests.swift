import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// The README's command × role table, cell by cell, through the built CLI as real logins.
@Suite(.blocking) struct RoleTableTests {
  typealias Cell = RoleTableCell

  static let roles = ["coordinator", "investigator", "monitor", "admin"]

  /// The table between the role-table markers of README.md: command → cell per role.
  static func readmeTable() throws -> [(command: String, cells: [Cell])] {
    try ReadmeRoleTable.rows()
  }

  /// What one command runs: arguments for a target at the user's site, and for one at another
  /// site (nil where the command names no patient or site: lists are checked by their output).
  struct Probe {
    var own: (_ role: String) -> [String]
    var other: [String]? = nil
  }

  @Test func everyCellOfTheReadmeTable() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let dba: (_ args: [String]) throws -> CLIResult = { args in
        let r = try CLIRunner.run(args, database: db)
        #expect(r.status == 0, "setup \(args): \(r.stderr)")
        return r
      }
      let c = try db.connect()
      // Lots: one released (infusions), two in quarantine (release, reject).
      try db.insertReleasedLot(
        "UC-ROLE-01", source: "umbilical_cord",
        manufactured: CalendarDate(year: 2026, month: 1, day: 10)!,
        expires: CalendarDate(year: 2027, month: 12, day: 31)!)
      for lot in ["Q-ROLE-01", "Q-ROLE-02"] {
        try c.query(
          """
          INSERT INTO registry.msc_lot (lot_number, source, donor, product, passage, viability_pct,
            cd73_pct, cd90_pct, cd105_pct, cd45_pct, cd34_pct, cd14_pct, cd19_pct, hla_dr_pct,
            sterility, mycoplasma, endotoxin_eu_ml, manufactured_on, expires_on)
          VALUES ($1, 'umbilical_cord', 'allogeneic', 'cells', 3, 92, 99, 98, 97, 0.5, 0.4, 0.3,
            0.2, 0.6, 'negative', 'negative', 0.1, '2026-01-10', '2027-12-31')
          """, [lot])
      }
      // Patients at PAN (the users' site) and BOG (another site), enrolled by the DBA.
      let enroll = EnrollmentService(f.registry)
      var pan: [EnrollmentResult] = []
      var bog: [EnrollmentResult] = []
      for i in 1...6 {
        pan.append(try enroll.enroll(RegistryFixture.sleCandidate(mrn: "ROLE-PAN-\(i)")))
      }
      for i in 1...4 {
        bog.append(
          try enroll.enroll(RegistryFixture.sleCandidate(mrn: "ROLE-BOG-\(i)", site: "BOG")))
      }
      let pInf = try #require(pan.first { $0.arm == "msc" }).studyID
      let rest = pan.map(\.studyID).filter { $0 != pInf }
      let (pA, pE, pW, pM) = (rest[0], rest[1], rest[2], rest[3])
      let bInf = try #require(bog.first { $0.arm == "msc" }).studyID
      let other = bog.map(\.studyID).first { $0 != bInf }!
      // Targets the allowed role consumes: an infusion to void, an adverse event to update
      // and void, an event to void; and a BOG recipient of the lot.
      _ = try dba([
        "infuse", pInf, "--lot", "UC-ROLE-01", "--date", "2026-06-10", "--weight-kg", "60",
        "--cells", "6e7",
      ])
      _ = try dba([
        "infuse", bInf, "--lot", "UC-ROLE-01", "--date", "2026-06-10", "--weight-kg", "60",
        "--cells", "6e7",
      ])
      let infusionID: Int = try c.query(
        "SELECT min(id)::int AS id FROM registry.infusion WHERE study_id = $1", [pInf]
      ).rows[0].decode("id")
      _ = try dba([
        "ae", "add", pA, "--term", "Headache", "--grade", "1", "--relatedness", "unrelated",
        "--onset", "2026-06-05",
      ])
      let aeID: Int = try c.query(
        "SELECT min(id)::int AS id FROM registry.adverse_event WHERE study_id = $1", [pA]
      ).rows[0].decode("id")
      _ = try dba(["event", "add", pE, "--kind", "liver_transplant", "--date", "2026-06-20"])
      let eventID: Int = try c.query(
        "SELECT min(id)::int AS id FROM registry.clinical_event WHERE study_id = $1", [pE]
      ).rows[0].decode("id")

      // Users of every role; coordinators and investigators at PAN.
      let users = UserService(f.registry)
      var login: [String: String] = [:]
      for role in Self.roles {
        login[role] = db.userName(String(role.prefix(5)))
        _ = try users.add(
          name: login[role]!, role: try #require(AppUser.Role(rawValue: role)),
          sites: ["coordinator", "investigator"].contains(role) ? ["PAN"] : [])
      }

      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "roles-\(UUID())")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let protocolFile = folder.appendingPathComponent("sle-v9.yaml")
      try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"),
        encoding: .utf8
      ).replacingOccurrences(of: "version: 1", with: "version: 9")
        .write(to: protocolFile, atomically: true, encoding: .utf8)
      func importFile(_ site: String, _ role: String) throws -> String {
        let file = folder.appendingPathComponent("import-\(site)-\(role).csv")
        try
          ("mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,site,"
          + "sledai_descriptors,eular_acr_items,ana_titer,pga\n"
          + "IMP-\(site)-\(role),Ana,Ruiz,1990-04-02,F,2.1,2026-05-20,2026-06-01,\(site),"
          + "\"arthritis,rash,low_complement,proteinuria\","
          + "\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5\n")
          .write(to: file, atomically: true, encoding: .utf8)
        return file.path
      }
      let exportDir = { (role: String) in folder.appendingPathComponent("export-\(role)").path }

      let probes: [String: Probe] = [
        "score": Probe(own: { _ in
          ["score", "meld", "--bilirubin", "2", "--creatinine", "1.2", "--inr", "1.5"]
        }),
        "site add": Probe(own: { r in
          ["site", "add", "Z" + String(r.prefix(3)).uppercased(), "--name", "Site \(r)"]
        }),
        "site list": Probe(own: { _ in ["site", "list"] }),
        "protocol load": Probe(own: { _ in ["protocol", "load", protocolFile.path] }),
        "protocol list": Probe(own: { _ in ["protocol", "list"] }),
        "protocol show": Probe(own: { _ in ["protocol", "show", "SLE-UCMSC"] }),
        "lot add": Probe(own: { r in
          [
            "lot", "add", "NEW-\(r)", "--source", "umbilical_cord", "--donor", "allogeneic",
            "--product", "cells", "--passage", "3", "--viability", "94", "--manufactured",
            "2026-01-10", "--expires", "2027-12-31",
          ]
        }),
        "lot release": Probe(own: { _ in ["lot", "release", "Q-ROLE-01"] }),
        "lot reject": Probe(own: { _ in ["lot", "reject", "Q-ROLE-02", "--reason", "recall"] }),
        "lot list": Probe(own: { _ in ["lot", "list"] }),
        "lot show": Probe(own: { _ in ["lot", "show", "UC-ROLE-01"] }),
        "lot recipients": Probe(own: { _ in ["lot", "recipients", "UC-ROLE-01"] }),
        "patient enroll": Probe(
          own: { r in sleEnrollArguments(mrn: "NEW-\(r)", site: "PAN") },
          other: sleEnrollArguments(mrn: "NEW-OTHER", site: "BOG")),
        "patient import": Probe(
          own: { r in ["patient", "import", try! importFile("PAN", r), "--protocol", "SLE-UCMSC"] },
          other: ["patient", "import", try importFile("BOG", "x"), "--protocol", "SLE-UCMSC"]),
        "patient show": Probe(
          own: { _ in ["patient", "show", pA] }, other: ["patient", "show", other]),
        "patient show --identify": Probe(
          own: { _ in ["patient", "show", pA, "--identify"] },
          other: ["patient", "show", other, "--identify"]),
        "patient list": Probe(own: { _ in ["patient", "list"] }),
        "patient lots": Probe(
          own: { _ in ["patient", "lots", pInf] }, other: ["patient", "lots", bInf]),
        "patient amend": Probe(
          own: { _ in ["patient", "amend", pM, "--family", "Corrected", "--reason", "typo"] },
          other: ["patient", "amend", other, "--family", "Corrected", "--reason", "typo"]),
        "patient withdraw": Probe(
          own: { _ in ["patient", "withdraw", pW, "--reason", "moved away"] },
          other: ["patient", "withdraw", other, "--reason", "moved away"]),
        "infuse": Probe(
          own: { _ in
            [
              "infuse", pInf, "--lot", "UC-ROLE-01", "--date", "2026-06-20", "--weight-kg", "60",
              "--cells", "6e7",
            ]
          },
          other: [
            "infuse", bInf, "--lot", "UC-ROLE-01", "--date", "2026-06-20", "--weight-kg", "60",
            "--cells", "6e7",
          ]),
        "infuse void": Probe(
          own: { _ in
            ["infuse", "void", pInf, "--infusion", "\(infusionID)", "--reason", "wrong patient"]
          },
          other: ["infuse", "void", bInf, "--infusion", "\(infusionID + 1)", "--reason", "x"]),
        "assess": Probe(
          own: { _ in ["assess", pA, "--visit", "week4", "--date", "2026-06-29", "--pga", "1"] },
          other: ["assess", other, "--visit", "week4", "--date", "2026-06-29", "--pga", "1"]),
        "assess amend": Probe(
          own: { _ in ["assess", "amend", pA, "--visit", "week4", "--pga", "2", "--reason", "x"] },
          other: ["assess", "amend", other, "--visit", "week4", "--pga", "2", "--reason", "x"]),
        "assess list": Probe(
          own: { _ in ["assess", "list", pA] }, other: ["assess", "list", other]),
        "assess void": Probe(
          own: { _ in ["assess", "void", pA, "--visit", "week4", "--reason", "x"] },
          other: ["assess", "void", other, "--visit", "week4", "--reason", "x"]),
        "ae add": Probe(
          own: { _ in
            [
              "ae", "add", pA, "--term", "Nausea", "--grade", "1", "--relatedness", "unrelated",
              "--onset", "2026-06-07",
            ]
          },
          other: [
            "ae", "add", other, "--term", "Nausea", "--grade", "1", "--relatedness", "unrelated",
            "--onset", "2026-06-07",
          ]),
        "ae update": Probe(
          own: { _ in ["ae", "update", pA, "--ae", "\(aeID)", "--grade", "2", "--reason", "x"] },
          other: ["ae", "update", other, "--ae", "\(aeID)", "--grade", "2", "--reason", "x"]),
        "ae list": Probe(own: { _ in ["ae", "list", pA] }, other: ["ae", "list", other]),
        "ae void": Probe(
          own: { _ in ["ae", "void", pA, "--ae", "\(aeID)", "--reason", "x"] },
          other: ["ae", "void", other, "--ae", "\(aeID)", "--reason", "x"]),
        "event add": Probe(
          own: { _ in ["event", "add", pE, "--kind", "lost_to_follow_up", "--date", "2026-07-01"] },
          other: ["event", "add", other, "--kind", "lost_to_follow_up", "--date", "2026-07-01"]),
        "event list": Probe(own: { _ in ["event", "list", pE] }, other: ["event", "list", other]),
        "event void": Probe(
          own: { _ in ["event", "void", pE, "--event", "\(eventID)", "--reason", "x"] },
          other: ["event", "void", other, "--event", "\(eventID)", "--reason", "x"]),
        "visits due": Probe(own: { _ in ["visits", "due", "--as-of", "2026-07-01"] }),
        "report cohort": Probe(own: { _ in
          ["report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--format", "json"]
        }),
        "export": Probe(own: { r in
          [
            "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "csv", "--output",
            exportDir(r),
          ]
        }),
        "audit": Probe(own: { _ in ["audit"] }),
        "audit verify": Probe(own: { _ in ["audit", "verify"] }),
        "user add": Probe(own: { r in
          ["user", "add", db.userName("n" + String(r.prefix(3))), "--role", "monitor"]
        }),
        "user list": Probe(own: { _ in ["user", "list"] }),
        "demo seed": Probe(own: { _ in
          ["demo", "seed", "--protocol", "ACLF-BMMSC", "--patients", "5"]
        }),
        "db migrate": Probe(own: { _ in ["db", "migrate"] }),
        "db status": Probe(own: { _ in ["db", "status"] }),
      ]

      let table = try Self.readmeTable()
      #expect(Set(table.map(\.command)) == Set(probes.keys), "README table and probes differ")
      #expect(table.count == probes.count)
      let bogIDs = bog.map(\.studyID)
      for (command, cells) in table {
        let probe = try #require(probes[command], "no probe for \(command)")
        // Denied roles first: they must change nothing the allowed role then consumes.
        let order = Self.roles.indices.sorted {
          (cells[$0] == .denied ? 0 : 1) < (cells[$1] == .denied ? 0 : 1)
        }
        for i in order {
          let role = Self.roles[i]
          let user = login[role]!
          let run = { (args: [String]) in
            try CLIRunner.run(
              args, environment: ["MSCREG_DATABASE": try db.conninfo(asUser: user)])
          }
          let r = try run(probe.own(role))
          let label = "\(command) as \(role) (\(cells[i].rawValue))"
          switch cells[i] {
          case .denied:
            #expect(r.status == 77, "\(label): \(r.status) \(r.stderr)")
            #expect(r.stderr.hasPrefix("error:"), "\(label): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(label): \(r.stderr)")
          case .allowed, .ownSites:
            #expect(r.status == 0, "\(label): \(r.status) \(r.stderr)")
          }
          guard cells[i] == .ownSites else { continue }
          if let otherArgs = probe.other {
            let o = try run(otherArgs)
            #expect([66, 77].contains(o.status), "\(label), other site: \(o.status) \(o.stderr)")
            #expect(o.stderr.hasPrefix("error:"), "\(label), other site: \(o.stderr)")
          } else {
            var text = r.stdout
            if command == "export" {
              for file in (try? FileManager.default.contentsOfDirectory(atPath: exportDir(role)))
                ?? []
              {
                text +=
                  (try? String(contentsOfFile: exportDir(role) + "/" + file, encoding: .utf8))
                  ?? ""
              }
            }
            for id in bogIDs {
              #expect(!text.contains(id), "\(label): shows \(id) of another site")
            }
            if command == "report cohort" { #expect(!text.contains("\"BOG\""), "\(label)") }
          }
        }
      }
    }
  }
}
