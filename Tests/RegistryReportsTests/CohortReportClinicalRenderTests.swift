import Foundation
import FoundationXML
import Testing

@testable import RegistryDomain
@testable import RegistryReports

/// Issue 12 in every format: survival "NE", the median's CI, the MSC-versus-control
/// comparison, censoring ticks, renal population, and safety by relatedness.
@Suite struct CohortReportClinicalRenderTests {
  /// The ACLF trial by arm where the control arm is followed for 30 days only (no events):
  /// both horizons are not estimable there.
  static func shortFollowUp() throws -> CohortReport {
    let trial = try ReportFixtures.trial("aclf-bmmsc")
    var data = CohortAggregates()
    data.groupOrder = ["msc", "smt"]
    let msc = ReportFixtures.survivalCounts(
      patients: 40, hazard: 0.002, followUp: 200...400, seed: 7)
    let smt: [CohortAggregates.SurvivalCount] = [.init(day: 30, event: false, patients: 5)]
    data.survival["tfs"] = ["msc": msc, "smt": smt]
    data.armSurvival["tfs"] = .init()
    data.armSurvival["tfs"]?.treated = msc
    data.armSurvival["tfs"]?.control = smt
    for arm in ["msc", "smt"] {
      var c = CohortAggregates.GroupCounts()
      c.enrolled = arm == "msc" ? 40 : 5
      data.counts[arm] = c
      data.flow.allocated[arm] = c.enrolled
    }
    return try CohortReportBuilder(
      trial: trial, asOf: CalendarDate(iso: "2026-11-21")!, groupBy: .arm, ciMethod: .loglog,
      minCell: 0, site: nil
    ).build(data)
  }

  @Test func notEstimableIsNEEverywhereAndNullInJSON() throws {
    let report = try Self.shortFollowUp()
    let smt = try #require(report.groups.last)
    guard case .survival(let s) = smt.endpoints[0] else {
      Issue.record("not survival")
      return
    }
    #expect(s.points.map(\.estimable) == [false, false])
    #expect(s.points.allSatisfy { $0.survival == nil && $0.ciLow == nil })
    #expect(smt.suppressed.isEmpty)
    let text = CohortReportText.render(report)
    let smtLines = text.split(separator: "\n").filter { $0.hasPrefix("smt ") }
    #expect(smtLines.contains { $0.contains("NE") })
    #expect(!smtLines.contains { $0.contains("100.0%") })
    let csv = CohortReportCSV.render(report)
    let row = try #require(csv.split(whereSeparator: \.isNewline).first { $0.hasPrefix("smt,") })
    #expect(row.contains("NE,NE,NE,0"))
    let html = CohortReportHTML.render(report)
    let table = try RenderedPage(report).sectionText("endpoint-tfs")
    #expect(table.contains("NE"))
    #expect(!html.contains("100.0% (100.0–100.0)"))
    let json = try CohortReportJSON.render(report)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let groups = try #require(object["groups"] as? [[String: Any]])
    let endpoint = try #require((groups[1]["endpoints"] as? [[String: Any]])?.first)
    let point = try #require((endpoint["points"] as? [[String: Any]])?.first)
    #expect(point["estimable"] as? Bool == false)
    for key in ["survival", "ci_low", "ci_high"] { #expect(point[key] is NSNull, "\(key)") }
    let mscPoint = try #require(
      ((groups[0]["endpoints"] as? [[String: Any]])?.first?["points"] as? [[String: Any]])?.first)
    #expect(mscPoint["estimable"] as? Bool == true && mscPoint["survival"] is Double)
    for key in ["median_days", "median_ci_low", "median_ci_high"] {
      #expect(endpoint.keys.contains(key), "\(key)")
    }
  }

  @Test func comparisonInEveryFormat() throws {
    let report = try ReportFixtures.aclf()
    let c = try #require(report.comparisons.first)
    #expect(c.endpoint == "tfs" && c.mscArms == ["msc"] && c.controlArms == ["smt"])
    let logRank = try #require(c.logRank)
    let hr = try #require(c.hazardRatio)
    #expect(logRank.df == 1 && logRank.p > 0 && logRank.p < 1)
    #expect(hr.ciLow < hr.estimate && hr.estimate < hr.ciHigh && hr.ties == "efron")
    // The fixture's MSC hazard is about half of SMT's.
    #expect(hr.estimate < 1)
    let text = CohortReportText.render(report)
    #expect(text.contains("log-rank χ²") && text.contains("Cox hazard ratio"))
    #expect(
      text.contains(String(format: "%.2f (95%% CI %.2f–%.2f)", hr.estimate, hr.ciLow, hr.ciHigh)))
    let csv = CohortReportCSV.render(report)
    let lines = csv.split(whereSeparator: \.isNewline).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let hrColumn = try #require(lines[0].firstIndex(of: "tfs_hr"))
    #expect(lines[1][hrColumn] == String(format: "%.6g", hr.estimate))
    #expect(lines[2][hrColumn] == lines[1][hrColumn])  // report-level, repeated on each row
    #expect(lines[0].contains("tfs_logrank_chi2") && lines[0].contains("tfs_hr_ci_high"))
    let json = try CohortReportJSON.render(report)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let comparison = try #require((object["comparisons"] as? [[String: Any]])?.first)
    let jlr = try #require(comparison["log_rank"] as? [String: Any])
    #expect(jlr["df"] as? Int == 1 && jlr["chi_square"] is Double)
    let jhr = try #require(comparison["hazard_ratio"] as? [String: Any])
    #expect(jhr["ties"] as? String == "efron" && jhr["ci_low"] is Double)
    let page = try RenderedPage(report)
    let section = try page.sectionText("endpoint-tfs")
    #expect(section.contains("Log-rank χ²") && section.contains("Hazard ratio"))
    #expect(section.contains(String(format: "%.2f–%.2f", hr.ciLow, hr.ciHigh)))
  }

  @Test func noComparisonIsNullNotMissing() throws {
    let report = try Self.shortFollowUp()  // no events in control: no finite hazard ratio
    let c = try #require(report.comparisons.first)
    #expect(c.hazardRatio == nil)
    let json = try CohortReportJSON.render(report)
    #expect(json.contains("\"hazard_ratio\" : null"))
    #expect(
      CohortReportText.render(report).contains("hazard ratio (Efron ties, Wald CI) not estimable"))
    // A single-arm protocol has no comparison at all.
    #expect(try ReportFixtures.sle().comparisons.count == 1)  // SLE has msc and control
  }

  @Test func censoredObservationsAreTicked() throws {
    let report = try ReportFixtures.aclf()
    let page = try RenderedPage(report)
    let ticks = try page.elements("line", class: "km-censor")
    guard case .survival(let msc) = report.groups[0].endpoints[0] else { return }
    let mscCensorDays = msc.curve.filter { $0.censored > 0 }
    #expect(!mscCensorDays.isEmpty)
    let mscTicks = ticks.filter { $0.attribute(forName: "data-group")?.stringValue == "msc" }
    #expect(mscTicks.count == mscCensorDays.count)
    let total = mscTicks.compactMap { $0.attribute(forName: "data-censored")?.stringValue }
      .compactMap(Int.init).reduce(0, +)
    #expect(total == mscCensorDays.reduce(0) { $0 + $1.censored })
    // No tick on an event-only day: every tick sits on a censoring day of the curve.
    #expect(try page.sectionText("endpoint-tfs").contains("Ticks: censored patients"))
  }

  @Test func renalPopulationAndSafetyByRelatedness() throws {
    let report = try ReportFixtures.sle()
    guard case .proportion(let renal) = report.groups[0].endpoints[1] else {
      Issue.record("not renal")
      return
    }
    #expect(renal.population == 48 - 48 / 5)
    #expect(renal.rate == Double(renal.responders!) / Double(renal.population!))
    let page = try RenderedPage(report)
    let renalText = try page.sectionText("endpoint-renal_w52")
    #expect(renalText.contains("Population") && renalText.contains("baseline UPCR ≥ 0.5 g/g"))
    let aclf = try ReportFixtures.aclf()
    let safety = try RenderedPage(aclf).sectionText("safety")
    #expect(safety.contains("By relatedness to MSC") && safety.contains("Related: patients"))
    let text = CohortReportText.render(aclf)
    #expect(text.contains("Adverse events by relatedness to MSC"))
    let csv = CohortReportCSV.render(aclf)
    #expect(csv.contains("ae_related_patients,ae_related_patients_serious,ae_related_events"))
    let json = try CohortReportJSON.render(aclf)
    #expect(json.contains("\"related\"") && json.contains("\"events_serious\""))
  }
}
