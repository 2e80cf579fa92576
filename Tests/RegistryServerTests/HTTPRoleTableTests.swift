import Foundation
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

  /// The commands whose use cases have no endpoint (the database's owner runs them, or the
  /// endpoint is not on this branch yet): their cells are checked by RoleTableTests only.
  static let withoutEndpoint: Set<String> = [
    "demo seed", "db migrate", "db status", "patient import", "patient list", "patient lots",
    "patient amend", "patient withdraw", "infuse", "infuse void", "assess", "assess amend",
    "assess list", "assess void", "ae add", "ae update", "ae list", "ae void", "event add",
    "event list", "event void", "visits due",
  ]

  @Test func everyCellWithAnEndpoint() throws {
    try TestDatabase.with { db in
      var pan: [String] = []
      var bog: [String] = []
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
        for i in 1...3 {
          pan.append(
            try EnrollmentService(f.coordinator("PAN")).enroll(
              try RegistryFixture.sleCandidate(mrn: "RT-PAN-\(i)")
            ).studyID)
        }
        // BOG patients, one of them a recipient of UC-ROLE-01.
        var recipient = false
        for i in 1...30 where !recipient {
          let r = try EnrollmentService(f.coordinator("BOG")).enroll(
            try RegistryFixture.sleCandidate(mrn: "RT-BOG-\(i)", site: "BOG"))
          bog.append(r.studyID)
          if r.arm == "msc" {
            _ = try InfusionService(f.coordinator("BOG")).record(
              InfusionEntry(
                studyID: r.studyID, lotNumber: "UC-ROLE-01",
                date: CalendarDate(year: 2026, month: 6, day: 10)!, weightKg: 60, cells: 6e7))
            recipient = true
          }
        }
        #expect(recipient)
      }
      defer { t.server.stop() }
      let file = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"),
        encoding: .utf8)
      let v9 = Data(file.replacingOccurrences(of: "version: 1", with: "version: 9").utf8)
      let other = bog[0]

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
