import Foundation
import Testing

@testable import RegistryDomain
@testable import RegistryReports

@Suite struct SVGPlotTests {
  @Test func linearScaleMapsAndReverses() {
    let y = LinearScale(domain: (0, 1), range: (300, 20))
    #expect(y(0) == 300)
    #expect(y(1) == 20)
    #expect(y(0.5) == 160)
    #expect(y.clamped(1.4) == 20)
    #expect(y.clamped(-1) == 300)
    #expect(LinearScale(domain: (2, 2), range: (0, 10))(2) == 5)
  }

  @Test func numbersHaveOneDecimalAtMost() {
    #expect(SVGPlot.number(12) == "12")
    #expect(SVGPlot.number(12.04) == "12")
    #expect(SVGPlot.number(12.25) == "12.3")
    #expect(SVGPlot.number(-3.0) == "-3")
    #expect(SVGPlot.percent(0.6) == "60%")
    #expect(SVGPlot.tickLabel(-2.5) == "-2.5")
    #expect(SVGPlot.tickLabel(4) == "4")
  }

  @Test func stepVerticesHoldThenDrop() {
    let steps = [SVGPoint(0, 1), SVGPoint(10, 0.8), SVGPoint(20, 0.8), SVGPoint(30, 0.5)]
    #expect(
      SVGPlot.stepVertices(steps) == [
        SVGPoint(0, 1), SVGPoint(10, 1), SVGPoint(10, 0.8), SVGPoint(20, 0.8), SVGPoint(30, 0.8),
        SVGPoint(30, 0.5),
      ])
    // A drop at x = 0 (events on day 0) is vertical.
    #expect(
      SVGPlot.stepVertices([SVGPoint(0, 1), SVGPoint(0, 0.9)]) == [
        SVGPoint(0, 1), SVGPoint(0, 0.9),
      ])
    #expect(SVGPlot.stepVertices([]).isEmpty)
    #expect(SVGPlot.path([SVGPoint(0, 1), SVGPoint(10, 1)]) == "M0 1L10 1")
    #expect(SVGPlot.path([]) == "")
  }

  @Test func bandGoesOutOnTheUpperStepsAndBackOnTheLower() {
    let upper = [SVGPoint(0, 10), SVGPoint(5, 20)]
    let lower = [SVGPoint(0, 10), SVGPoint(5, 40)]
    #expect(SVGPlot.stepBand(upper: upper, lower: lower) == "0,10 5,10 5,20 5,40 5,10 0,10")
  }

  @Test func niceTicksCoverTheRangeWithRoundSteps() {
    #expect(SVGPlot.niceTicks(0, 1, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(SVGPlot.niceTicks(-4.3, 0, count: 5) == [-5, -4, -3, -2, -1, 0])
    #expect(SVGPlot.niceTicks(0, 56, count: 5) == [0, 20, 40, 60])
    let ticks = SVGPlot.niceTicks(-6.2, 1.3, count: 6)
    #expect(ticks.first! <= -6.2 && ticks.last! >= 1.3 && ticks.contains(0))
    #expect(SVGPlot.niceTicks(3, 3) == [2, 2.5, 3, 3.5, 4])
  }

  @Test func dayTicksAreWholeWeeks() {
    #expect(SVGPlot.dayTicks(maxDay: 336) == [0, 56, 112, 168, 224, 280, 336])
    #expect(SVGPlot.dayTicks(maxDay: 364) == [0, 56, 112, 168, 224, 280, 336, 392])
    #expect(SVGPlot.dayTicks(maxDay: 30) == [0, 7, 14, 21, 28, 35])
    #expect(SVGPlot.dayTicks(maxDay: 0) == [0, 7])
    for maxDay in stride(from: 1.0, through: 5000, by: 37) {
      let ticks = SVGPlot.dayTicks(maxDay: maxDay)
      #expect(ticks.count <= 9 && Double(ticks.last!) >= maxDay && ticks.first == 0)
    }
  }

  @Test func escapingCoversMarkupCharacters() {
    #expect(
      Markup.escape(#"<a href="x">Tom & 'Jerry'</a>"#)
        == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    #expect(Markup.element("rect", ["data-group": "<b>"]) == #"<rect data-group="&lt;b&gt;"/>"#)
    #expect(Markup.identifier("sri4 w24/<x>") == "sri4-w24--x-")
    #expect(Markup.truncated("abcdef", to: 4) == "abc…")
  }

  /// The at-risk rows read the plotting curve; they must agree with the estimate's own
  /// `atRisk(at:)` (time ≥ day) on every day, including ties, day 0 and past the end.
  @Test func atRiskFromTheCurveMatchesTheEstimate() throws {
    var g = ReportFixtures.Generator(state: 7)
    for trial in 0..<40 {
      var observations: [SurvivalObservation] = []
      let n = 1 + trial * 3
      for _ in 0..<n {
        let day = (g.next() * 60).rounded(.down) * (trial % 3 == 0 ? 1 : 5)
        observations.append(SurvivalObservation(time: day, event: g.next() < 0.5))
      }
      if trial % 4 == 0 { observations.append(SurvivalObservation(time: 0, event: false)) }
      let km = try KaplanMeierEstimate(observations)
      let curve = km.curve().map {
        EndpointResult.Survival.CurvePoint(
          day: $0.time, survival: $0.survival, ciLow: $0.ciLow, ciHigh: $0.ciHigh,
          atRisk: $0.atRisk)
      }
      for day in 0...320 {
        #expect(
          KaplanMeierChart.atRisk(curve, at: Double(day)) == km.atRisk(at: Double(day)),
          "trial \(trial) day \(day)")
      }
    }
  }

  @Test func curvesStopBelowTheMinimumCell() {
    let curve = [10, 8, 6, 4, 2].enumerated().map {
      EndpointResult.Survival.CurvePoint(
        day: Double($0.offset * 10), survival: 1, ciLow: 1, ciHigh: 1, atRisk: $0.element)
    }
    #expect(KaplanMeierChart.displayedCurve(curve, minCell: 0).count == 5)
    #expect(KaplanMeierChart.displayedCurve(curve, minCell: 5).map(\.atRisk) == [10, 8, 6])
    let chart = KaplanMeierChart(series: [], minCell: 5, horizons: [])
    #expect(chart.count(4) == "<5")
    #expect(chart.count(0) == "0")
    #expect(chart.count(5) == "5")
  }
}
