import Foundation
import TestSupport
import Testing

@Suite(.blocking) struct ReportCLITests {
  @Test func jsonFollowsTheContractCSVParsesAndHTMLIsWritten() throws {
    try TestDatabase.with { db in
      // Enrolled by each site's coordinator, reported by an investigator of every site.
      let f = try RegistryFixture(db)
      for i in 0..<6 {
        _ = try f.run(
          sleEnrollArguments(mrn: "R-\(i)", site: i < 4 ? "PAN" : "BOG"))
      }
      let json = try f.run(
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--format", "json", "--ci", "plain"])
      #expect(json.status == 0, "\(json.stderr)")
      let r = try JSONDecoder().decode(JSONAny.self, from: Data(json.stdout.utf8))
      #expect(r["report"]?.string == "cohort")
      #expect(r["protocol"]?["code"]?.string == "SLE-UCMSC")
      #expect(r["protocol"]?["version"]?.number == 1)
      #expect(r["protocol"]?["condition"]?.string == "sle")
      #expect(r["group_by"]?.string == "arm" && r["ci_method"]?.string == "plain")
      #expect(r["min_cell"]?.number == 0)
      #expect(r["as_of"]?.string?.count == 10)
      #expect(r["flow"]?["screened"]?.number == 6 && r["flow"]?["enrolled"]?.number == 6)
      #expect(r["flow"]?["screen_failed"]?.number == 0)
      let groups = try #require(r["groups"]?.array)
      #expect(groups.map { $0["group"]?.string } == ["msc", "control"])
      for g in groups {
        for key in ["enrolled", "treated", "withdrawn", "died"] {
          #expect(g[key]?.number != nil, "\(key)")
        }
        #expect(g["adverse_events"]?["patients_any"]?.number == 0)
        #expect(g["adverse_events"]?["worst_grade"]?["5"]?.number == 0)
        #expect(g["suppressed"]?.array?.isEmpty == true)
        let endpoints = try #require(g["endpoints"]?.array)
        #expect(
          endpoints.map { $0["code"]?.string } == [
            "sri4_w24", "renal_w52", "sledai_w24", "survival",
          ])
        let survival = try #require(endpoints.last)
        #expect(survival["kind"]?.string == "survival")
        #expect(survival["events"]?.array?.map { $0.string } == ["death"])
        let point = try #require(survival["points"]?.array?.first)
        #expect(point["day"]?.number == 168)
        for key in ["at_risk", "survival", "ci_low", "ci_high"] {
          #expect(point[key] != nil, "\(key)")
        }
        let sri4 = try #require(endpoints.first)
        for key in ["visit", "responders", "patients", "rate", "ci_low", "ci_high"] {
          #expect(sri4[key] != nil, "\(key)")
        }
      }

      let csv = try f.run(
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--format", "csv"])
      let lines = csv.stdout.split(whereSeparator: \.isNewline).map {
        $0.split(separator: ",", omittingEmptySubsequences: false)
      }
      #expect(lines.count == 3)
      #expect(lines[0].first == "group" && lines[0].contains("survival_d168_survival"))
      #expect(lines.allSatisfy { $0.count == lines[0].count })
      #expect(lines[1].first == "BOG" && lines[1][1] == "2")
      #expect(lines[2].first == "PAN" && lines[2][1] == "4")

      let suppressed = try f.run(
        [
          "report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--min-cell", "3",
          "--format", "json",
        ])
      let s = try JSONDecoder().decode(JSONAny.self, from: Data(suppressed.stdout.utf8))
      let bog = try #require(s["groups"]?.array?.first)
      #expect(bog["enrolled"]?.number == nil)  // 2 < 3: null
      #expect(bog["suppressed"]?.array?.contains { $0.string == "enrolled" } == true)

      let file = FileManager.default.temporaryDirectory.appendingPathComponent("r-\(UUID()).html")
      defer { try? FileManager.default.removeItem(at: file) }
      let html = try f.run(
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--format", "html", "--output", file.path])
      #expect(html.status == 0)
      let page = try String(contentsOf: file, encoding: .utf8)
      #expect(page.hasPrefix("<!DOCTYPE html>") || page.hasPrefix("<!doctype html>"))
      #expect(page.contains("<svg") && !page.contains("<script"))

      let text = try f.run(["report", "cohort", "--protocol", "SLE-UCMSC"])
      #expect(text.stdout.hasPrefix("Cohort report: SLE-UCMSC v1"))
    }
  }

  @Test func badOptionsAreRefused() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let cases: [([String], Int32, String)] = [
        (["--by", "colour"], 65, "error: --by:"),
        (["--ci", "wald"], 65, "error: --ci:"),
        (["--min-cell=-1"], 65, "error: --min-cell:"),
        (["--min-cell", "-1"], 64, "error:"),
        (["--as-of", "2026-13-01"], 65, "error: --as-of:"),
        (["--site", "XXX"], 66, "error: --site:"),
        (["--format", "pdf"], 64, "error:"),
      ]
      for (extra, status, prefix) in cases {
        let r = try f.run(
          ["report", "cohort", "--protocol", "SLE-UCMSC"] + extra)
        #expect(r.status == status, "\(extra): \(r.stderr)")
        #expect(r.stderr.hasPrefix(prefix), "\(extra): \(r.stderr)")
      }
      let unknown = try f.run(["report", "cohort", "--protocol", "NOPE"])
      #expect(unknown.status == 66)
    }
  }
}
