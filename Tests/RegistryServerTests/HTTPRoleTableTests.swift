import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 16, item 5: the README's command × role table repeated over HTTP. Each role signs
/// in with its own password; every cell whose command has an endpoint is one request as that
/// user: allowed and own sites → 2xx, denied → 403 (nothing changed: denied roles run first,
/// before the allowed one consumes the target), and for own sites another site's resource →
/// 404 or 403, or lists without it.
@Suite(.blocking) struct HTTPRoleTableTests {
  typealias Cell = RoleTableCell

  /// The table between the role-table markers of README.md (as RoleTableTests reads it).
  static func readmeTable() throws -> [(command: String, cells: [Cell])] {
    try ReadmeRoleTable.rows()
  }

  /// One request: method, path and JSON body (or raw body).
  struct Call {
    var method: String
    var path: String
    var json: Any? = nil
    var body: Data? = nil
    var headers: [String: String] = [:]
  }

  /// What a command is over HTTP: the call for a target at the user's site (by role), and one
  /// for another site's target (nil where the command names no patient: lists are checked by
  /// their body).
  struct Probe {
    var own: (_ role: String) -> Call
    var other: Call? = nil
  }

  /// The commands whose use cases have no endpoint (issue 16: `db` and `demo` are the
  /// database owner's, `completion` is the shell's): their cells are checked by
  /// RoleTableTests only.
  static let withoutEndpoint: Set<String> = ["demo seed", "db migrate", "db status"]

  @Test func everyCellWithAnEndpoint() throws {
    try TestDatabase.with { db in
      var pan: [String] = []
      var bog: [String] = []
      // PAN targets the allowed role consumes, as in RoleTableTests: an MSC-arm patient with
      // an infusion to void (pInf), one with an adverse event to update and void and the
      // assessments to record, amend and void (pA), one with an event to void (pE), one to
      // withdraw (pW), one to amend (pM); at BOG an MSC-arm patient with an infusion (bInf,
      // a recipient of UC-ROLE-01).
      var pInf = ""
      var bInf = ""
      var infusionID: Int64 = 0
      var otherInfusionID: Int64 = 0
      var aeID: Int64 = 0
      var eventID: Int64 = 0
      let t = try ServedRoles(db) { f in
        try db.insertReleasedLot(
          "UC-ROLE-01", source: "umbilical_cord",
          manufactured: CalendarDate(year: 2026, month: 1, day: 10)!,
          expires: CalendarDate(year: 2027, month: 12, day: 31)!)
        for lot in ["Q-ROLE-01", "Q-ROLE-02"] {
          _ = try LotService(f.admin).add(
            LotEntry(
              lotNumber: lot, source: "umbilical_cord", donor: "allogeneic", product: "cells",
              passage: "3", viability: "92",
              markers: [
                "cd73": "99", "cd90": "98", "cd105": "97", "cd45": "0.5", "cd34": "0.4",
                "cd14": "0.3", "cd19": "0.2", "hla_dr": "0.6",
              ], sterility: "negative", mycoplasma: "negative", endotoxin: "0.1",
              manufactured: "2026-01-10", expires: "2027-12-31"))
        }
        func infuse(_ studyID: String, _ site: String) throws -> Int64 {
          try InfusionService(f.coordinator(site)).record(
            InfusionEntry(
              studyID: studyID, lotNumber: "UC-ROLE-01",
              date: CalendarDate(year: 2026, month: 6, day: 10)!, weightKg: 60, cells: 6e7)
          ).id
        }
        for i in 1...30 where pInf.isEmpty || pan.count < 5 {
          let r = try EnrollmentService(f.coordinator("PAN")).enroll(
            try RegistryFixture.sleCandidate(mrn: "RT-PAN-\(i)"))
          if r.arm == "msc" && pInf.isEmpty {
            pInf = r.studyID
            infusionID = try infuse(pInf, "PAN")
          } else {
            pan.append(r.studyID)
          }
        }
        for i in 1...30 where bInf.isEmpty || bog.count < 2 {
          let r = try EnrollmentService(f.coordinator("BOG")).enroll(
            try RegistryFixture.sleCandidate(mrn: "RT-BOG-\(i)", site: "BOG"))
          if r.arm == "msc" && bInf.isEmpty {
            bInf = r.studyID
            otherInfusionID = try infuse(bInf, "BOG")
          }
          bog.append(r.studyID)
        }
        #expect(!pInf.isEmpty && !bInf.isEmpty && pan.count >= 5)
        let c = try db.connect()
        _ = try AdverseEventService(f.coordinator("PAN")).add(
          studyID: pan[1],
          AdverseEventService.Report(
            term: "Headache", grade: try CTCAEGrade.parse("1"), relatedness: .unrelated,
            onset: CalendarDate(year: 2026, month: 6, day: 5)!))
        aeID = try c.query(
          "SELECT min(id) AS id FROM registry.adverse_event WHERE study_id = \(pan[1])"
            as PostgresQuery
        ).rows[0].decode("id")
        _ = try ClinicalEventService(f.coordinator("PAN")).add(
          studyID: pan[2], kind: .liverTransplant,
          on: CalendarDate(year: 2026, month: 6, day: 20)!)
        eventID = try c.query(
          "SELECT min(id) AS id FROM registry.clinical_event WHERE study_id = \(pan[2])"
            as PostgresQuery
        ).rows[0].decode("id")
      }
      defer { t.server.stop() }
      let file = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"),
        encoding: .utf8)
      let v9 = Data(file.replacingOccurrences(of: "version: 1", with: "version: 9").utf8)
      let other = try #require(bog.first { $0 != bInf })
      let (pA, pE, pW, pM) = (pan[1], pan[2], pan[3], pan[4])
      let csv = ["Content-Type": "text/csv"]
      let importHeader =
        "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,site,"
        + "sledai_descriptors,eular_acr_items,ana_titer,pga\n"
      func importRow(_ site: String, _ role: String) -> Data {
        Data(
          (importHeader + "IMP-\(site)-\(role),Ana,Ruiz,1990-04-02,F,1.0,2026-05-20,2026-06-01,"
            + "\(site),\"arthritis,rash,low_complement,proteinuria\","
            + "\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5\n").utf8)
      }
      let importPath = "/patients/import?protocol=SLE-UCMSC"
      let infusion: [String: Any] = [
        "lot": "UC-ROLE-01", "date": "2026-06-20", "weight_kg": 60, "cells": 6e7,
      ]
      let ae: [String: Any] = [
        "term": "Nausea", "grade": 1, "relatedness": "unrelated", "onset": "2026-06-07",
      ]
      let event: [String: Any] = ["kind": "lost_to_follow_up", "date": "2026-07-01"]
      let assessment: [String: Any] = ["visit": "week4", "date": "2026-06-29", "pga": 1]

      let probes: [String: Probe] = [
        "score": Probe(own: { _ in
          Call(
            method: "POST", path: "/scores/meld",
            json: ["bilirubin": 2, "creatinine": 1.2, "inr": 1.5])
        }),
        "site add": Probe(own: { r in
          Call(
            method: "POST", path: "/sites",
            json: ["code": "Z" + r.prefix(3).uppercased(), "name": "Site \(r)"])
        }),
        "site list": Probe(own: { _ in Call(method: "GET", path: "/sites") }),
        "protocol load": Probe(own: { _ in
          Call(
            method: "POST", path: "/protocols", body: v9,
            headers: ["Content-Type": "application/yaml"])
        }),
        "protocol list": Probe(own: { _ in Call(method: "GET", path: "/protocols") }),
        "protocol show": Probe(own: { _ in Call(method: "GET", path: "/protocols/SLE-UCMSC") }),
        "lot add": Probe(own: { r in
          Call(method: "POST", path: "/lots", json: AdminRouteTests.lot("NEW-\(r)"))
        }),
        "lot release": Probe(own: { _ in Call(method: "POST", path: "/lots/Q-ROLE-01/release") }
        ),
        "lot reject": Probe(own: { _ in
          Call(method: "POST", path: "/lots/Q-ROLE-02/reject", json: ["reason": "recall"])
        }),
        "lot list": Probe(own: { _ in Call(method: "GET", path: "/lots") }),
        "lot show": Probe(own: { _ in Call(method: "GET", path: "/lots/UC-ROLE-01") }),
        "lot recipients": Probe(own: { _ in
          Call(method: "GET", path: "/lots/UC-ROLE-01/recipients")
        }),
        "patient enroll": Probe(
          own: { r in
            Call(
              method: "POST", path: "/patients",
              json: EnrollmentRouteTests.candidate(mrn: "RT-NEW-\(r)"))
          },
          other: Call(
            method: "POST", path: "/patients",
            json: EnrollmentRouteTests.candidate(mrn: "RT-NEW-OTHER", site: "BOG"))),
        "patient show": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pan[0])") },
          other: Call(method: "GET", path: "/patients/\(other)")),
        "patient show --identify": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pan[0])?identify=true") },
          other: Call(method: "GET", path: "/patients/\(other)?identify=true")),
        "report cohort": Probe(own: { _ in
          Call(method: "GET", path: "/reports/cohort?protocol=SLE-UCMSC&by=site")
        }),
        "export": Probe(own: { _ in
          Call(method: "GET", path: "/exports/csv?protocol=SLE-UCMSC&table=patients")
        }),
        "audit": Probe(own: { _ in Call(method: "GET", path: "/audit") }),
        "audit verify": Probe(own: { _ in Call(method: "GET", path: "/audit/verify") }),
        "user add": Probe(own: { r in
          Call(
            method: "POST", path: "/users",
            json: ["name": db.userName("n" + r.prefix(3)), "role": "monitor"])
        }),
        "user list": Probe(own: { _ in Call(method: "GET", path: "/users") }),
        "patient import": Probe(
          own: { r in
            Call(method: "POST", path: importPath, body: importRow("PAN", r), headers: csv)
          },
          other: Call(method: "POST", path: importPath, body: importRow("BOG", "x"), headers: csv)),
        "patient list": Probe(own: { _ in Call(method: "GET", path: "/patients") }),
        "patient lots": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pInf)/lots") },
          other: Call(method: "GET", path: "/patients/\(bInf)/lots")),
        "patient amend": Probe(
          own: { _ in
            Call(
              method: "PATCH", path: "/patients/\(pM)",
              json: ["family": "Corrected", "reason": "typo"])
          },
          other: Call(
            method: "PATCH", path: "/patients/\(other)",
            json: ["family": "Corrected", "reason": "typo"])),
        "patient withdraw": Probe(
          own: { _ in
            Call(method: "POST", path: "/patients/\(pW)/withdraw", json: ["reason": "moved away"])
          },
          other: Call(
            method: "POST", path: "/patients/\(other)/withdraw", json: ["reason": "moved away"])),
        "infuse": Probe(
          own: { _ in Call(method: "POST", path: "/patients/\(pInf)/infusions", json: infusion) },
          other: Call(method: "POST", path: "/patients/\(bInf)/infusions", json: infusion)),
        "infuse void": Probe(
          own: { _ in
            Call(
              method: "POST", path: "/patients/\(pInf)/infusions/\(infusionID)/void",
              json: ["reason": "wrong patient"])
          },
          other: Call(
            method: "POST", path: "/patients/\(bInf)/infusions/\(otherInfusionID)/void",
            json: ["reason": "x"])),
        "assess": Probe(
          own: { _ in Call(method: "POST", path: "/patients/\(pA)/assessments", json: assessment) },
          other: Call(method: "POST", path: "/patients/\(other)/assessments", json: assessment)),
        "assess amend": Probe(
          own: { _ in
            Call(
              method: "PATCH", path: "/patients/\(pA)/assessments/week4",
              json: ["pga": 2, "reason": "x"])
          },
          other: Call(
            method: "PATCH", path: "/patients/\(other)/assessments/week4",
            json: ["pga": 2, "reason": "x"])),
        "assess list": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pA)/assessments") },
          other: Call(method: "GET", path: "/patients/\(other)/assessments")),
        "assess void": Probe(
          own: { _ in
            Call(
              method: "POST", path: "/patients/\(pA)/assessments/week4/void", json: ["reason": "x"])
          },
          other: Call(
            method: "POST", path: "/patients/\(other)/assessments/week4/void",
            json: ["reason": "x"])),
        "ae add": Probe(
          own: { _ in Call(method: "POST", path: "/patients/\(pA)/adverse-events", json: ae) },
          other: Call(method: "POST", path: "/patients/\(other)/adverse-events", json: ae)),
        "ae update": Probe(
          own: { _ in
            Call(
              method: "PATCH", path: "/patients/\(pA)/adverse-events/\(aeID)",
              json: ["grade": 2, "reason": "x"])
          },
          other: Call(
            method: "PATCH", path: "/patients/\(other)/adverse-events/\(aeID)",
            json: ["grade": 2, "reason": "x"])),
        "ae list": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pA)/adverse-events") },
          other: Call(method: "GET", path: "/patients/\(other)/adverse-events")),
        "ae void": Probe(
          own: { _ in
            Call(
              method: "POST", path: "/patients/\(pA)/adverse-events/\(aeID)/void",
              json: ["reason": "x"])
          },
          other: Call(
            method: "POST", path: "/patients/\(other)/adverse-events/\(aeID)/void",
            json: ["reason": "x"])),
        "event add": Probe(
          own: { _ in Call(method: "POST", path: "/patients/\(pE)/events", json: event) },
          other: Call(method: "POST", path: "/patients/\(other)/events", json: event)),
        "event list": Probe(
          own: { _ in Call(method: "GET", path: "/patients/\(pE)/events") },
          other: Call(method: "GET", path: "/patients/\(other)/events")),
        "event void": Probe(
          own: { _ in
            Call(
              method: "POST", path: "/patients/\(pE)/events/\(eventID)/void",
              json: ["reason": "x"])
          },
          other: Call(
            method: "POST", path: "/patients/\(other)/events/\(eventID)/void",
            json: ["reason": "x"])),
        "visits due": Probe(own: { _ in Call(method: "GET", path: "/visits/due?as_of=2026-07-01") }
        ),
      ]

      let table = try Self.readmeTable()
      let commands = Set(table.map(\.command))
      #expect(Set(probes.keys).isSubset(of: commands), "probes for commands not in the table")
      #expect(
        commands.subtracting(probes.keys) == Self.withoutEndpoint,
        "commands without a probe: \(commands.subtracting(probes.keys).sorted())")
      var checked = 0
      for (command, cells) in table {
        guard let probe = probes[command] else { continue }
        let order = ServedRoles.roles.indices.sorted {
          (cells[$0] == .denied ? 0 : 1) < (cells[$1] == .denied ? 0 : 1)
        }
        for i in order {
          let role = ServedRoles.roles[i]
          let label = "\(command) as \(role) (\(cells[i].rawValue))"
          let call = probe.own(role)
          let before = cells[i] == .denied ? try t.f.fingerprint() : [:]
          let r = try t.request(
            role, call.method, call.path, json: call.json, headers: call.headers,
            body: call.body)
          checked += 1
          switch cells[i] {
          case .denied:
            #expect(r.status == 403, "\(label): \(r.status) \(r.text)")
            #expect(r.headers["content-type"] == "application/problem+json", "\(label)")
            #expect(try t.f.fingerprint() == before, "\(label): something changed")
          case .allowed, .ownSites:
            #expect((200..<300).contains(r.status), "\(label): \(r.status) \(r.text)")
          }
          guard cells[i] == .ownSites else { continue }
          if let o = probe.other {
            let before = try t.f.fingerprint()
            let denied = try t.request(
              role, o.method, o.path, json: o.json, headers: o.headers, body: o.body)
            #expect([403, 404].contains(denied.status), "\(label), other site: \(denied.text)")
            #expect(try t.f.fingerprint() == before, "\(label), other site: something changed")
          } else {
            for id in bog { #expect(!r.text.contains(id), "\(label): shows \(id) of BOG") }
            if command == "report cohort" { #expect(!r.text.contains("\"BOG\""), "\(label)") }
          }
        }
      }
      #expect(checked == probes.count * ServedRoles.roles.count)
    }
  }
}
