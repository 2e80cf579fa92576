import Foundation
import RegistryDomain
import RegistryService
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 16 over real HTTP: the cohort report by `Accept`, the audit trail (pages, verify,
/// anchor), the de-identified exports (streamed) and the score calculator, each compared
/// with the CLI's answer to the same use case, as the roles the command × role table allows.
@Suite(.blocking) struct ReportRouteTests {
  /// Enrolls three patients at PAN and two at BOG (before the passwords are set).
  static func enrollSome(_ f: RegistryFixture) throws -> (pan: [String], bog: [String]) {
    var pan: [String] = []
    var bog: [String] = []
    for i in 1...3 {
      pan.append(
        try EnrollmentService(f.coordinator("PAN")).enroll(
          try RegistryFixture.sleCandidate(mrn: "REP-P\(i)")
        ).studyID)
    }
    for i in 1...2 {
      bog.append(
        try EnrollmentService(f.coordinator("BOG")).enroll(
          try RegistryFixture.sleCandidate(mrn: "REP-B\(i)", site: "BOG")
        ).studyID)
    }
    return (pan, bog)
  }

  @Test func theCohortReportByAccept() throws {
    try TestDatabase.with { db in
      let t = try ServedRoles(db) { _ = try Self.enrollSome($0) }
      defer { t.server.stop() }
      let path = "/reports/cohort?protocol=SLE-UCMSC&by=site&as_of=2026-07-01"

      // The monitor's JSON is the CLI's, byte for byte.
      let json = try t.request("monitor", "GET", path, headers: ["Accept": "application/json"])
      #expect(json.status == 200 && json.headers["content-type"] == "application/json")
      let cli = try CLIRunner.run(
        [
          "report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--as-of",
          "2026-07-01", "--format", "json",
        ], environment: try t.cliEnvironment("monitor"))
      #expect(cli.status == 0, "\(cli.stderr)")
      #expect(json.text == cli.stdout)
      #expect(json.text.contains("\"BOG\""))
      // No Accept, or */*: JSON. CSV and HTML by Accept, with q-values.
      #expect(try t.request("monitor", "GET", path).text == json.text)
      let csv = try t.request("monitor", "GET", path, headers: ["Accept": "text/csv"])
      #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
      #expect(csv.text.contains("BOG"))
      let html = try t.request(
        "monitor", "GET", path, headers: ["Accept": "text/csv;q=0.5, text/html"])
      #expect(html.headers["content-type"]?.hasPrefix("text/html") == true)
      #expect(html.text.contains("<html") || html.text.contains("<!DOCTYPE"))
      let png = try t.request("monitor", "GET", path, headers: ["Accept": "image/png"])
      #expect(png.status == 406 && png.headers["content-type"] == "application/problem+json")

      // Own sites: PAN's coordinator and investigator see no BOG group.
      for role in ["coordinator", "investigator"] {
        let own = try t.request(role, "GET", path)
        #expect(own.status == 200, "\(role): \(own.text)")
        #expect(!own.text.contains("\"BOG\"") && own.text.contains("\"PAN\""), "\(role)")
      }
      // Refusals name the parameter.
      let unknown = try t.request("monitor", "GET", "/reports/cohort?protocol=NOPE")
      #expect(unknown.status == 404 && unknown.object?["parameter"] as? String == "protocol")
      let badDate = try t.request("monitor", "GET", "/reports/cohort?protocol=SLE-UCMSC&as_of=x")
      #expect(badDate.status == 422 && badDate.object?["parameter"] as? String == "as_of")
      let badBy = try t.request("monitor", "GET", "/reports/cohort?protocol=SLE-UCMSC&by=x")
      #expect(badBy.status == 422 && badBy.object?["parameter"] as? String == "by")
      let badCell = try t.request(
        "monitor", "GET", "/reports/cohort?protocol=SLE-UCMSC&min_cell=-1")
      #expect(badCell.status == 400 && badCell.object?["parameter"] as? String == "min_cell")
      #expect(try t.request("monitor", "GET", "/reports/cohort").status == 400)
      #expect(try t.request(nil, "GET", path).status == 401)
    }
  }

  @Test func theAuditTrailInPagesVerifiedAndAnchored() throws {
    try TestDatabase.with { db in
      let t = try ServedRoles(db) { _ = try Self.enrollSome($0) }
      defer { t.server.stop() }
      let expected = try AuditService(t.owner).entries().map(\.id)
      #expect(expected.count > 5)

      // Pages of 4 through the whole trail: the same rows as the CLI's use case, in order.
      var seen: [Int] = []
      var cursor: String? = nil
      var pages = 0
      repeat {
        let query = "/audit?limit=4" + (cursor.map { "&cursor=\($0)" } ?? "")
        let page = try t.request("monitor", "GET", query)
        #expect(page.status == 200, "\(page.text)")
        let items = (page.object?["items"] as? [[String: Any]]) ?? []
        #expect(items.count <= 4)
        seen += items.compactMap { $0["id"] as? Int }
        cursor = page.object?["next_cursor"] as? String
        #expect(page.object?.keys.contains("next_cursor") == true)
        pages += 1
      } while cursor != nil && pages < 1000
      #expect(seen.map(Int64.init) == expected)
      #expect(pages == (expected.count + 3) / 4 || pages == expected.count / 4 + 1)
      // A key narrows, as `audit KEY`; an unknown key is 404; a forged cursor is 400.
      let site = try t.request("admin", "GET", "/audit?key=PAN")
      #expect(site.status == 200, "\(site.text)")
      #expect(
        ((site.object?["items"] as? [[String: Any]]) ?? []).allSatisfy {
          $0["row_key"] as? String == "PAN"
        })
      #expect(try t.request("admin", "GET", "/audit?key=NOTHING-HERE").status == 404)
      let forged = try t.request("monitor", "GET", "/audit?cursor=bm90LWEtY3Vyc29y")
      #expect(forged.status == 400 && forged.object?["parameter"] as? String == "cursor")
      #expect(try t.request("monitor", "GET", "/audit?limit=0").status == 400)
      for role in ["coordinator", "investigator"] {
        #expect(try t.request(role, "GET", "/audit").status == 403, "\(role)")
        #expect(try t.request(role, "GET", "/audit/verify").status == 403, "\(role)")
        #expect(try t.request(role, "POST", "/audit/anchor").status == 403, "\(role)")
      }

      // Verify (as `audit verify --format json`), anchor, and verify against the anchor;
      // a forged anchor is a break with ok false (still 200: the verification ran).
      let verified = try t.request("monitor", "GET", "/audit/verify")
      #expect(verified.status == 200 && verified.object?["ok"] as? Bool == true, "\(verified.text)")
      #expect((verified.object?["chains"] as? [[String: Any]])?.count == 2)
      let anchor = try t.request("admin", "POST", "/audit/anchor")
      #expect(anchor.status == 200, "\(anchor.text)")
      #expect(anchor.object?["format"] as? String == AuditAnchorDocument.currentFormat)
      let against = try t.request("monitor", "POST", "/audit/verify", body: anchor.body)
      #expect(against.object?["ok"] as? Bool == true, "\(against.text)")
      let forgedAnchor = anchor.text.replacingOccurrences(
        of: #""hash" : ""#, with: #""hash" : "00"#
      ).replacingOccurrences(of: #""hash":""#, with: #""hash":"00"#)
      #expect(forgedAnchor != anchor.text)
      let broken = try t.request("monitor", "POST", "/audit/verify", body: Data(forgedAnchor.utf8))
      #expect(broken.status == 200 && broken.object?["ok"] as? Bool == false, "\(broken.text)")
      let malformed = try t.request("monitor", "POST", "/audit/verify", body: Data("{}".utf8))
      #expect(malformed.status == 400)
    }
  }

  @Test func exportsStreamAndStayDeidentified() throws {
    try TestDatabase.with { db in
      var ids: (pan: [String], bog: [String]) = ([], [])
      let t = try ServedRoles(db) { f in
        ids = try Self.enrollSome(f)
        // A synthetic cohort, so that the bundle spans many 64 KiB chunks.
        let seeded = try CLIRunner.run(
          ["demo", "seed", "--protocol", "SLE-UCMSC", "--patients", "120", "--force"], database: db)
        #expect(seeded.status == 0, "\(seeded.stderr)")
      }
      defer { t.server.stop() }

      // FHIR, streamed: a whole bundle, as many entries as the CLI writes, no identifier.
      let fhir = try t.request("monitor", "GET", "/exports/fhir?protocol=SLE-UCMSC")
      #expect(fhir.status == 200, "\(fhir.text.prefix(300))")
      #expect(fhir.headers["content-type"] == "application/fhir+json")
      #expect(fhir.body.count > 4 * 65536, "\(fhir.body.count) bytes")
      let bundle = try #require(fhir.object)
      #expect(bundle["resourceType"] as? String == "Bundle")
      let entries = (bundle["entry"] as? [Any])?.count ?? -1
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fhir-\(UUID())")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let cli = try CLIRunner.run(
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "fhir", "--output",
          folder.appendingPathComponent("b.json").path,
        ], environment: try t.cliEnvironment("monitor"))
      #expect(cli.status == 0, "\(cli.stderr)")
      #expect(cli.stdout.contains("\(entries) entries"), "\(cli.stdout) vs \(entries)")
      #expect(!fhir.text.contains("REP-P1") && !fhir.text.contains("GivenREP"))

      let odm = try t.request("admin", "GET", "/exports/odm?protocol=SLE-UCMSC")
      #expect(odm.status == 200 && odm.headers["content-type"] == "application/xml")
      #expect(odm.text.hasPrefix("<?xml") && odm.text.contains("</ODM>"))

      // CSV: one table; own sites for the coordinator.
      let csv = try t.request(
        "coordinator", "GET", "/exports/csv?protocol=SLE-UCMSC&table=patients")
      #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
      #expect(csv.text.hasPrefix("study_id,") || csv.text.contains("study_id"))
      for id in ids.pan { #expect(csv.text.contains(id)) }
      for id in ids.bog { #expect(!csv.text.contains(id)) }
      let real = try t.request(
        "monitor", "GET", "/exports/csv?protocol=SLE-UCMSC&table=patients&exclude_synthetic=true")
      #expect(real.text.split(whereSeparator: \.isNewline).count == 1 + 5, "\(real.text)")

      // Refusals: FHIR needs the audit chain (monitors and admins), an unknown protocol is
      // 404 before any byte, a CSV names its table, no token is 401.
      let denied = try t.request("coordinator", "GET", "/exports/fhir?protocol=SLE-UCMSC")
      #expect(denied.status == 403 && denied.headers["content-type"] == "application/problem+json")
      let unknown = try t.request("monitor", "GET", "/exports/fhir?protocol=NOPE")
      #expect(unknown.status == 404 && unknown.object?["parameter"] as? String == "protocol")
      #expect(try t.request("monitor", "GET", "/exports/xlsx?protocol=SLE-UCMSC").status == 404)
      let noTable = try t.request("monitor", "GET", "/exports/csv?protocol=SLE-UCMSC")
      #expect(noTable.status == 400 && noTable.object?["parameter"] as? String == "table")
      #expect(try t.request(nil, "GET", "/exports/fhir?protocol=SLE-UCMSC").status == 401)
      // The server is still whole after all of it.
      #expect(try t.request("monitor", "GET", "/sites").status == 200)
    }
  }

  @Test func anExportTheClientDropsGivesBackItsSession() throws {
    try TestDatabase.with { db in
      // One pooled session only: an export stuck on a client that went away would hold it,
      // and every later request would wait for it.
      let t = try ServedRoles(db, arguments: ["--pool", "1"]) { _ in
        let seeded = try CLIRunner.run(
          ["demo", "seed", "--protocol", "SLE-UCMSC", "--patients", "1500"], database: db)
        #expect(seeded.status == 0, "\(seeded.stderr)")
      }
      defer { t.server.stop() }
      for _ in 1...2 {
        try Self.readSomeAndHangUp(
          port: t.server.baseURL.port ?? 0,
          "GET /exports/fhir?protocol=SLE-UCMSC HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer \(t.tokens["monitor"]!)\r\n\r\n")
      }
      let after = try t.request("monitor", "GET", "/sites")
      #expect(after.status == 200, "\(after.text)")
      // And a whole export still comes through afterwards.
      let whole = try t.server.request(
        "GET", "/exports/fhir?protocol=SLE-UCMSC", token: t.tokens["monitor"], timeout: 300)
      #expect(whole.status == 200 && whole.object?["resourceType"] as? String == "Bundle")
    }
  }

  /// Sends a raw request, reads the first bytes of the answer, and closes the socket.
  static func readSomeAndHangUp(port: Int, _ request: String) throws {
    guard let socket = RawSocket(port: port) else {
      throw RawSocket.ServerFailureForTest("connect failed")
    }
    defer { socket.close() }
    try socket.send(request)
    #expect(socket.receive().hasPrefix("HTTP/1.1 200"))
  }

  @Test func theScoreCalculatorAnswersAsTheCLI() throws {
    try TestDatabase.with { db in
      let t = try ServedRoles(db)
      defer { t.server.stop() }
      let cases: [(String, [String: Any], [String])] = [
        (
          "meld", ["bilirubin": 4.2, "creatinine": 1.9, "inr": 1.2],
          ["--bilirubin", "4.2", "--creatinine", "1.9", "--inr", "1.2"]
        ),
        (
          "meld-na", ["bilirubin": "71.82umol/L", "creatinine": 1.9, "inr": 1.2, "sodium": 125],
          ["--bilirubin", "71.82umol/L", "--creatinine", "1.9", "--inr", "1.2", "--sodium", "125"]
        ),
        (
          "meld3",
          [
            "sex": "F", "age": 54, "bilirubin": 4.2, "creatinine": 1.9, "inr": 1.2, "sodium": 125,
            "albumin": 2.8,
          ],
          [
            "--sex", "F", "--age", "54", "--bilirubin", "4.2", "--creatinine", "1.9", "--inr",
            "1.2",
            "--sodium", "125", "--albumin", "2.8",
          ]
        ),
        (
          "child-pugh",
          [
            "bilirubin": 2.5, "albumin": 3.0, "inr": 1.5, "ascites": "mild",
            "encephalopathy": "none",
          ],
          [
            "--bilirubin", "2.5", "--albumin", "3.0", "--inr", "1.5", "--ascites", "mild",
            "--encephalopathy", "none",
          ]
        ),
        (
          "sledai2k", ["sledai_descriptors": "arthritis,rash,low_complement"],
          ["--sledai-descriptors", "arthritis,rash,low_complement"]
        ),
        (
          "eular-acr",
          ["ana_titer": 160, "eular_acr_items": "joint_involvement,anti_dsdna_or_anti_sm"],
          ["--ana-titer", "160", "--eular-acr-items", "joint_involvement,anti_dsdna_or_anti_sm"]
        ),
        (
          "meld", ["bilirubin": 4.2, "inr": 1.2, "dialysis": true],
          ["--bilirubin", "4.2", "--inr", "1.2", "--dialysis"]
        ),
      ]
      for (instrument, body, options) in cases {
        let r = try t.request("investigator", "POST", "/scores/\(instrument)", json: body)
        #expect(r.status == 200, "\(instrument): \(r.text)")
        let cli = try CLIRunner.run(["score", instrument] + options + ["--format", "json"])
        #expect(cli.status == 0, "\(instrument): \(cli.stderr)")
        let http = try JSONSerialization.jsonObject(with: r.body) as? NSDictionary
        let expected =
          try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSDictionary
        #expect(http != nil && http == expected, "\(instrument): \(r.text) vs \(cli.stdout)")
      }
      // Refusals: the missing or implausible measure's pointer; another instrument's
      // measure; an unknown instrument; no token.
      let missing = try t.request(
        "monitor", "POST", "/scores/meld", json: ["bilirubin": 2, "inr": 1.1])
      #expect(missing.status == 422 && missing.object?["pointer"] as? String == "/creatinine")
      let implausible = try t.request(
        "monitor", "POST", "/scores/meld", json: ["bilirubin": 2, "inr": 1.1, "creatinine": -3])
      #expect(
        implausible.status == 422 && implausible.object?["pointer"] as? String == "/creatinine")
      let foreign = try t.request(
        "monitor", "POST", "/scores/meld",
        json: ["bilirubin": 2, "inr": 1.1, "creatinine": 1, "sodium": 130])
      #expect(foreign.status == 422 && foreign.object?["pointer"] as? String == "/sodium")
      let sex = try t.request(
        "monitor", "POST", "/scores/meld3",
        json: [
          "sex": "X", "bilirubin": 2, "inr": 1.1, "creatinine": 1, "sodium": 130, "albumin": 3,
        ])
      #expect(sex.status == 422 && sex.object?["pointer"] as? String == "/sex", "\(sex.text)")
      #expect(
        try t.request("monitor", "POST", "/scores/apache2", json: [:] as [String: String]).status
          == 404)
      #expect(try t.request("monitor", "POST", "/scores/meld", body: Data("[".utf8)).status == 400)
      #expect(try t.request(nil, "POST", "/scores/meld", json: ["bilirubin": 2]).status == 401)
    }
  }
}
