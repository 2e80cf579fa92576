import Foundation
import FoundationXML
import Testing

@testable import RegistryDomain
@testable import RegistryReports

/// The page as a string and as a parsed XML tree (the page is well-formed XML by design).
struct RenderedPage {
  let html: String
  let document: XMLDocument

  init(_ report: CohortReport) throws {
    html = CohortReportHTML.render(report)
    document = try XMLDocument(xmlString: html, options: [])
  }

  /// Elements named `name` (namespace-free) whose `class` attribute contains `cls`.
  func elements(_ name: String, class cls: String? = nil) throws -> [XMLElement] {
    var query = "//*[local-name()='\(name)']"
    if let cls { query += "[contains(concat(' ', @class, ' '), ' \(cls) ')]" }
    return try document.nodes(forXPath: query).compactMap { $0 as? XMLElement }
  }

  /// The `data-group` values of elements named `name` with class `cls`.
  func groups(_ name: String, class cls: String) throws -> [String] {
    try elements(name, class: cls).compactMap { $0.attribute(forName: "data-group")?.stringValue }
  }

  /// The text of the section with id `id`.
  func sectionText(_ id: String) throws -> String {
    try document.nodes(forXPath: "//*[@id='\(id)']").first?.stringValue ?? ""
  }
}

@Suite struct CohortReportHTMLTests {
  @Test func pageIsWellFormedWithEverySection() throws {
    let report = try ReportFixtures.sle()
    let page = try RenderedPage(report)
    #expect(page.html.hasPrefix("<!DOCTYPE html>"))
    let ids = try page.document.nodes(forXPath: "//section/@id").compactMap(\.stringValue)
    #expect(
      ids == [
        "flow", "status", "endpoint-sri4_w24", "endpoint-renal_w52", "endpoint-sledai_w24",
        "endpoint-survival", "safety",
      ])
    #expect(try page.elements("h1").first?.stringValue == "Umbilical-cord MSC in refractory SLE")
    // One chart per section with a figure: CONSORT, 2 proportions, 1 change, 1 KM, AE.
    #expect(try page.elements("svg", class: "chart").count == 6)
    #expect(try page.elements("svg", class: "km").count == 1)
    #expect(try page.elements("svg", class: "consort").count == 1)
    #expect(try page.elements("svg", class: "ae").count == 1)
    #expect(try page.elements("svg", class: "interval").count == 3)
  }

  @Test func pageIsSelfContained() throws {
    for report in [try ReportFixtures.sle(minCell: 5), try ReportFixtures.aclf()] {
      let html = CohortReportHTML.render(report).lowercased()
      for forbidden in [
        "<script", "http://", "https://", "//fonts", "<link", "<img", "<iframe", "@import",
        "url(", " src=", " href=", "javascript:", " on",
      ] where forbidden != " on" {
        #expect(!html.contains(forbidden), "page contains \(forbidden)")
      }
      // No event-handler attributes either (onload=, onclick= …).
      #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)
    }
  }

  @Test func everyInsertedTextIsEscaped() throws {
    let hostile = #"<script>alert("x")</script> & 'co'"#
    let report = try ReportFixtures.sle(hostileLabel: hostile)
    let page = try RenderedPage(report)
    #expect(!page.html.contains("<script"))
    #expect(
      page.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"))
    // The parsed tree gives the label back verbatim: as text, not markup.
    let rowHeaders = try page.document.nodes(forXPath: "//section[@id='status']//tbody/tr/th")
      .compactMap(\.stringValue)
    #expect(rowHeaders == ["BJ01", "SH02", "GZ03", hostile])
    #expect(try page.groups("path", class: "km-curve").contains(hostile))
  }

  @Test func kaplanMeierCurvesBandsHorizonsAndNumbersAtRisk() throws {
    let report = try ReportFixtures.aclf()
    let page = try RenderedPage(report)
    #expect(try page.groups("path", class: "km-curve") == ["msc", "smt"])
    #expect(try page.groups("polygon", class: "km-band") == ["msc", "smt"])
    #expect(try page.elements("line", class: "horizon").count == 2)
    let horizonLabels = try page.elements("text", class: "horizon-label").compactMap(\.stringValue)
    #expect(horizonLabels == ["day 168", "day 336"])
    // Distinct colours per group.
    let strokes = try page.elements("path", class: "km-curve").compactMap {
      $0.attribute(forName: "stroke")?.stringValue
    }
    #expect(Set(strokes).count == 2)
    // Numbers at risk: one row per group at each day tick, agreeing with the horizon table.
    let ticks = SVGPlot.dayTicks(
      maxDay: report.groups.compactMap {
        if case .survival(let s) = $0.endpoints[0] { s.curve.last?.day } else { nil }
      }.max()!)
    let counts = try page.elements("text", class: "at-risk-count").compactMap(\.stringValue)
    #expect(counts.count == ticks.count * 2)
    guard case .survival(let msc) = report.groups[0].endpoints[0] else {
      Issue.record("first endpoint is not survival")
      return
    }
    #expect(counts.first == String(msc.patients!))
    let i168 = try #require(ticks.firstIndex(of: 168))
    #expect(counts[i168] == String(msc.points[0].atRisk!))
    // Horizon table.
    let text = try page.sectionText("endpoint-tfs")
    #expect(text.contains("Survival at the horizons"))
    #expect(text.contains(String(format: "%.1f%%", msc.points[0].survival! * 100)))
  }

  @Test func proportionsAndChangesDrawDotsAndWhiskers() throws {
    let report = try ReportFixtures.sle()
    let page = try RenderedPage(report)
    // sri4, renal and change: every site has an estimate but GZ03's change (n = 0).
    #expect(try page.elements("circle", class: "estimate").count == 3 * 3 - 1)
    let sri = try page.sectionText("endpoint-sri4_w24")
    #expect(sri.contains("95% CI (Wilson)"))
    guard case .proportion(let p) = report.groups[0].endpoints[0] else {
      Issue.record("first endpoint is not a proportion")
      return
    }
    #expect(sri.contains(String(format: "%.1f%%", p.rate! * 100)))
    #expect(try page.sectionText("endpoint-sledai_w24").contains("95% CI (t)"))
    #expect(try page.elements("line", class: "zero").count == 1)
  }

  @Test func suppressedFiguresPrintTheMarkAndAreNeverDrawn() throws {
    let report = try ReportFixtures.sle(minCell: 5)
    let tiny = try #require(report.groups.first { $0.group == "GZ03" })
    #expect(tiny.enrolled == nil)
    let page = try RenderedPage(report)
    for (name, cls) in [
      ("path", "km-curve"), ("polygon", "km-band"), ("circle", "horizon-point"),
      ("circle", "estimate"), ("path", "whisker"), ("rect", "ae-grade"), ("rect", "ae-enrolled"),
    ] {
      #expect(try !page.groups(name, class: cls).contains("GZ03"), "\(name).\(cls) drawn for GZ03")
    }
    // SH02's day-364 estimate is withheld, so its curve (which would show it) is not drawn;
    // BJ01's horizons are all shown, so its curve is.
    let curves = try page.groups("path", class: "km-curve")
    #expect(curves == ["BJ01"])
    let sh02 = try #require(report.groups.first { $0.group == "SH02" })
    guard case .survival(let s)? = sh02.endpoints.first(where: { $0.code == "survival" }) else {
      Issue.record("SH02 has no survival endpoint")
      return
    }
    #expect(s.points.contains { $0.survival == nil } && s.curve.isEmpty)
    let status = try page.document.nodes(forXPath: "//section[@id='status']//tbody/tr[3]/td")
      .compactMap(\.stringValue)
    #expect(status.first == "<5")
    #expect(try page.sectionText("endpoint-survival").contains("not shown (suppressed)"))
    #expect(try page.elements("td", class: "mark").count > 5)
    // Small at-risk counts in the tail of a shown curve are marked too, and a curve stops
    // before them.
    for case .survival(let s) in report.groups[1].endpoints {
      let shown = KaplanMeierChart.displayedCurve(s.curve, minCell: 5)
      #expect(shown.allSatisfy { $0.atRisk >= 5 })
    }
    #expect(page.html.contains("1–4 shown as &lt;5"))
  }

  @Test func groupWithoutPatientsIsNotShown() throws {
    var report = try ReportFixtures.aclf()
    guard case .survival(var s) = report.groups[1].endpoints[0] else {
      Issue.record("first endpoint is not survival")
      return
    }
    s.curve = []
    s.patients = 0
    s.points = s.points.map { .init(day: $0.day, atRisk: 0) }
    report.groups[1].endpoints[0] = .survival(s)
    let page = try RenderedPage(report)
    #expect(try page.groups("path", class: "km-curve") == ["msc"])
    #expect(try page.sectionText("endpoint-tfs").contains("not shown (no patients)"))
  }

  @Test func consortFlowHasEveryStep() throws {
    let report = try ReportFixtures.aclf()
    let page = try RenderedPage(report)
    let text = try page.elements("svg", class: "consort").first?.stringValue ?? ""
    for fragment in [
      "Assessed for eligibility", "n = 131", "Screen failures", "n = 21", "meld: 12",
      "age_years: 6", "consent: 3", "Enrolled", "n = 110", "Allocated to msc", "n = 56",
      "Allocated to smt", "n = 54", "Treated (≥ 1 infusion): 56", "Treated (≥ 1 infusion): 0",
      "Withdrawn: 2", "Withdrawn: 3", "Analysed (ITT)",
    ] {
      #expect(text.contains(fragment), "CONSORT lacks \(fragment)")
    }
    #expect(try page.elements("polygon", class: "arrowhead").count >= 8)
    // Grouped by site: the arms join again into one column of totals.
    let bySite = try RenderedPage(try ReportFixtures.sle())
    let siteText = try bySite.elements("svg", class: "consort").first?.stringValue ?? ""
    #expect(siteText.contains("Allocated to control") && siteText.contains("Allocated to msc"))
    #expect(siteText.contains("Analysed (intention to treat)"))
  }

  @Test func adverseEventBarsStackTheGrades() throws {
    let report = try ReportFixtures.aclf()
    let page = try RenderedPage(report)
    let bars = try page.elements("rect", class: "ae-grade")
    #expect(bars.count == 10)
    let msc = bars.filter { $0.attribute(forName: "data-group")?.stringValue == "msc" }
    let grades = msc.compactMap { $0.attribute(forName: "data-grade")?.stringValue }
    #expect(grades == ["1", "2", "3", "4", "5"])
    // Stacked: each segment starts where the previous one ends.
    let xs = msc.compactMap { Double($0.attribute(forName: "x")?.stringValue ?? "") }
    let ws = msc.compactMap { Double($0.attribute(forName: "width")?.stringValue ?? "") }
    for i in 1..<xs.count { #expect(abs(xs[i] - (xs[i - 1] + ws[i - 1])) < 0.2) }
  }
}
