import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 16 over real HTTP: sites, protocols, users and lots through `mscreg serve`, each as
/// the least-privileged role the command × role table allows (admin for writes), refusals as
/// problem+json with the field's JSON Pointer and nothing written, 403 for other roles, 401
/// without a token.
@Suite(.blocking) struct AdminRouteTests {
  @Test func sitesProtocolsAndUsers() throws {
    try TestDatabase.with { db in
      let t = try ServedRoles(db)
      defer { t.server.stop() }

      // Sites: the admin adds; a duplicate is 409, a bad code 422 at /code, and the
      // coordinator is not allowed; nothing else is written.
      let added = try t.request(
        "admin", "POST", "/sites", json: ["code": "LIM", "name": "Lima", "country": "PE"])
      #expect(added.status == 201, "\(added.text)")
      #expect(added.object?["code"] as? String == "LIM")
      let before = try t.f.fingerprint()
      let duplicate = try t.request(
        "admin", "POST", "/sites", json: ["code": "LIM", "name": "Lima again"])
      #expect(duplicate.status == 409, "\(duplicate.text)")
      let badCode = try t.request("admin", "POST", "/sites", json: ["code": "lima", "name": "x"])
      #expect(badCode.status == 422, "\(badCode.text)")
      #expect(badCode.object?["pointer"] as? String == "/code", "\(badCode.text)")
      let unknownMember = try t.request(
        "admin", "POST", "/sites", json: ["code": "CUZ", "name": "Cuzco", "city": "Cuzco"])
      #expect(unknownMember.status == 422 && unknownMember.object?["pointer"] as? String == "/city")
      let byCoordinator = try t.request(
        "coordinator", "POST", "/sites", json: ["code": "QUI", "name": "Quito"])
      #expect(byCoordinator.status == 403, "\(byCoordinator.text)")
      #expect(
        try t.request(nil, "POST", "/sites", json: ["code": "QUI", "name": "Q"]).status == 401)
      #expect(try t.f.fingerprint() == before)
      let sites = ServedRoles.array(try t.request("coordinator", "GET", "/sites"))
      #expect(sites.compactMap { $0["code"] as? String }.contains("LIM"))

      // Protocols: list and show for every role; load (admins) of a new version, again
      // (unchanged), an invalid file (every problem listed), and by the coordinator.
      let listed = ServedRoles.array(try t.request("investigator", "GET", "/protocols"))
      #expect(Set(listed.compactMap { $0["code"] as? String }) == ["SLE-UCMSC", "ACLF-BMMSC"])
      let shown = try t.request("monitor", "GET", "/protocols/SLE-UCMSC?version=1")
      #expect(shown.status == 200, "\(shown.text)")
      #expect(shown.object?["version"] as? Int == 1)
      #expect(shown.object?["seed_concealed"] as? Bool == true, "\(shown.text)")
      #expect(try t.request("monitor", "GET", "/protocols/NOPE-1").status == 404)
      #expect(try t.request("monitor", "GET", "/protocols/SLE-UCMSC?version=7").status == 404)
      let file = try String(
        contentsOf: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"),
        encoding: .utf8)
      let v9 = Data(file.replacingOccurrences(of: "version: 1", with: "version: 9").utf8)
      let yaml = ["Content-Type": "application/yaml"]
      let deniedLoad = try t.request("coordinator", "POST", "/protocols", headers: yaml, body: v9)
      #expect(deniedLoad.status == 403, "\(deniedLoad.text)")
      let loaded = try t.request("admin", "POST", "/protocols", headers: yaml, body: v9)
      #expect(loaded.status == 201, "\(loaded.text)")
      #expect(loaded.object?["version"] as? Int == 9 && loaded.object?["loaded"] as? Bool == true)
      let again = try t.request("admin", "POST", "/protocols", headers: yaml, body: v9)
      #expect(again.status == 200 && again.object?["loaded"] as? Bool == false, "\(again.text)")
      let invalid = try t.request(
        "admin", "POST", "/protocols", headers: yaml,
        body: Data("code: X\nversion: zero\narms: 3\n".utf8))
      #expect(invalid.status == 422, "\(invalid.text)")
      #expect(((invalid.object?["details"] as? [String]) ?? []).count >= 2, "\(invalid.text)")

      // Users: the admin adds one with a password, who then signs in; a short password is
      // refused at /password and adds nobody; only admins list.
      let name = db.userName("web_mon")
      let user = try t.request(
        "admin", "POST", "/users",
        json: ["name": name, "role": "monitor", "password": ServedRoles.password])
      #expect(user.status == 201, "\(user.text)")
      #expect(user.object?["role"] as? String == "monitor")
      let signIn = try t.server.request(
        "POST", "/session", json: ["user": name, "password": ServedRoles.password])
      #expect(signIn.status == 201, "\(signIn.text)")
      let short = try t.request(
        "admin", "POST", "/users",
        json: ["name": db.userName("web_short"), "role": "monitor", "password": "short"])
      #expect(short.status == 422 && short.object?["pointer"] as? String == "/password")
      let badSite = try t.request(
        "admin", "POST", "/users",
        json: ["name": db.userName("web_x"), "role": "coordinator", "sites": ["XXX"]])
      #expect(badSite.status == 404 && badSite.object?["pointer"] as? String == "/sites")
      let badRole = try t.request(
        "admin", "POST", "/users", json: ["name": db.userName("web_y"), "role": "boss"])
      #expect(badRole.status == 422 && badRole.object?["pointer"] as? String == "/role")
      let listedUsers = ServedRoles.array(try t.request("admin", "GET", "/users"))
      let names = listedUsers.compactMap { $0["name"] as? String }
      #expect(names.contains(name) && !names.contains(db.userName("web_short")))
      #expect(!names.contains(db.userName("web_x")) && !names.contains(db.userName("web_y")))
      #expect(try t.request("coordinator", "GET", "/users").status == 403)
      #expect(
        try t.request("monitor", "POST", "/users", json: ["name": "zz_x", "role": "admin"]).status
          == 403)

      // Passwords: each user sets their own (and then signs in with it), not another's.
      let coordinator = t.names["coordinator"]!
      let own = try t.request(
        "coordinator", "PUT", "/users/\(coordinator)/password",
        json: ["password": "a brand new passphrase"])
      #expect(own.status == 204, "\(own.text)")
      let renewed = try t.server.request(
        "POST", "/session", json: ["user": coordinator, "password": "a brand new passphrase"])
      #expect(renewed.status == 201, "\(renewed.text)")
      let others = try t.request(
        "coordinator", "PUT", "/users/\(t.names["investigator"]!)/password",
        json: ["password": "a brand new passphrase"])
      #expect(others.status == 403, "\(others.text)")
      let tooShort = try t.request(
        "admin", "PUT", "/users/\(coordinator)/password", json: ["password": "short"])
      #expect(tooShort.status == 422 && tooShort.object?["pointer"] as? String == "/password")
    }
  }

  static func lot(_ number: String) -> [String: Any] {
    [
      "lot_number": number, "source": "umbilical_cord", "donor": "allogeneic",
      "product": "cells", "passage": 3, "viability": 94, "cd73": 99.1, "cd90": 98.7,
      "cd105": 97.9, "cd45": 0.4, "cd34": 0.3, "cd14": 0.5, "cd19": 0.2, "hla_dr": 0.6,
      "sterility": "negative", "mycoplasma": "negative", "endotoxin": 0.12,
      "manufactured": "2026-01-10", "expires": "2027-12-31",
    ]
  }

  @Test func lotsFromQuarantineToRecall() throws {
    try TestDatabase.with { db in
      // A released lot given to a PAN and a BOG patient (before the passwords are set).
      var pan = ""
      var bog = ""
      let t = try ServedRoles(db) { f in
        try db.insertReleasedLot(
          "UC-HTTP-01", source: "umbilical_cord",
          manufactured: CalendarDate(year: 2026, month: 1, day: 10)!,
          expires: CalendarDate(year: 2027, month: 12, day: 31)!)
        for (site, mrn) in [("PAN", "LOT-HTTP-P"), ("BOG", "LOT-HTTP-B")] {
          var result: EnrollmentResult
          var i = 0
          repeat {
            i += 1
            result = try EnrollmentService(f.coordinator(site)).enroll(
              try RegistryFixture.sleCandidate(mrn: "\(mrn)\(i)", site: site))
          } while result.arm != "msc"
          _ = try InfusionService(f.coordinator(site)).record(
            InfusionEntry(
              studyID: result.studyID, lotNumber: "UC-HTTP-01",
              date: CalendarDate(year: 2026, month: 6, day: 10)!, weightKg: 60, cells: 6e7))
          if site == "PAN" { pan = result.studyID } else { bog = result.studyID }
        }
      }
      defer { t.server.stop() }

      let added = try t.request("admin", "POST", "/lots", json: Self.lot("UC-HTTP-02"))
      #expect(added.status == 201, "\(added.text)")
      #expect(added.object?["status"] as? String == "quarantine")
      #expect(added.object?["lot_number"] as? String == "UC-HTTP-02")

      // Refusals name the member; nothing is written; other roles are not allowed.
      let before = try t.f.fingerprint()
      var bad = Self.lot("UC-HTTP-03")
      bad["cd73"] = 140
      let badMarker = try t.request("admin", "POST", "/lots", json: bad)
      #expect(badMarker.status == 422 && badMarker.object?["pointer"] as? String == "/cd73")
      bad = Self.lot("UC-HTTP-03")
      bad.removeValue(forKey: "viability")
      let missing = try t.request("admin", "POST", "/lots", json: bad)
      #expect(missing.status == 422 && missing.object?["pointer"] as? String == "/viability")
      bad = Self.lot("no spaces allowed")
      let badNumber = try t.request("admin", "POST", "/lots", json: bad)
      #expect(badNumber.status == 422 && badNumber.object?["pointer"] as? String == "/lot_number")
      bad = Self.lot("UC-HTTP-03")
      bad["expires"] = "2025-01-01"
      let expired = try t.request("admin", "POST", "/lots", json: bad)
      #expect(expired.status == 422 && expired.object?["pointer"] as? String == "/expires")
      let duplicate = try t.request("admin", "POST", "/lots", json: Self.lot("UC-HTTP-02"))
      #expect(duplicate.status == 409, "\(duplicate.text)")
      for role in ["coordinator", "investigator", "monitor"] {
        let r = try t.request(role, "POST", "/lots", json: Self.lot("UC-HTTP-\(role)"))
        #expect(r.status == 403, "\(role): \(r.text)")
        let release = try t.request(role, "POST", "/lots/UC-HTTP-02/release")
        #expect(release.status == 403, "\(role): \(release.text)")
      }
      #expect(try t.request(nil, "GET", "/lots").status == 401)
      #expect(try t.f.fingerprint() == before)

      // Release, list by status, reject (a recall), and what cannot be done twice.
      let released = try t.request("admin", "POST", "/lots/UC-HTTP-02/release")
      #expect(released.status == 200 && released.object?["status"] as? String == "released")
      let twice = try t.request("admin", "POST", "/lots/UC-HTTP-02/release")
      #expect(twice.status == 422, "\(twice.text)")
      #expect(twice.object?["parameter"] as? String == "lot", "\(twice.text)")
      let listed = ServedRoles.array(try t.request("coordinator", "GET", "/lots?status=released"))
      #expect(
        Set(listed.compactMap { $0["lot_number"] as? String }) == ["UC-HTTP-01", "UC-HTTP-02"])
      let badStatus = try t.request("coordinator", "GET", "/lots?status=lost")
      #expect(badStatus.status == 422 && badStatus.object?["parameter"] as? String == "status")
      let noReason = try t.request(
        "admin", "POST", "/lots/UC-HTTP-02/reject", json: [:] as [String: String])
      #expect(noReason.status == 422 && noReason.object?["pointer"] as? String == "/reason")
      let rejected = try t.request(
        "admin", "POST", "/lots/UC-HTTP-02/reject", json: ["reason": "mycoplasma on retest"])
      #expect(rejected.status == 200 && rejected.object?["status"] as? String == "rejected")
      #expect(rejected.object?["status_reason"] as? String == "mycoplasma on retest")
      let again = try t.request(
        "admin", "POST", "/lots/UC-HTTP-02/reject", json: ["reason": "again"])
      #expect(again.status == 409, "\(again.text)")
      #expect(try t.request("admin", "POST", "/lots/NO-SUCH-LOT/release").status == 404)
      #expect(try t.request("monitor", "GET", "/lots/NO-SUCH-LOT").status == 404)

      // Show and recipients: every site for the monitor, own sites for PAN's users.
      let all = try t.request("monitor", "GET", "/lots/UC-HTTP-01/recipients")
      #expect(all.status == 200)
      #expect(Set(ServedRoles.array(all).compactMap { $0["study_id"] as? String }) == [pan, bog])
      for role in ["coordinator", "investigator"] {
        let own = try t.request(role, "GET", "/lots/UC-HTTP-01/recipients")
        #expect(ServedRoles.array(own).compactMap { $0["study_id"] as? String } == [pan])
        let shown = try t.request(role, "GET", "/lots/UC-HTTP-01")
        #expect(shown.status == 200, "\(shown.text)")
        #expect(!shown.text.contains(bog) && shown.text.contains(pan), "\(role): \(shown.text)")
      }
    }
  }
}
