import Foundation
import RegistryDomain

/// The Kaplan–Meier figure of one survival endpoint: step curves per group with shaded
/// confidence bands, a vertical tick on the curve at every time a patient was censored
/// (class `km-censor`, one per censoring time, `data-censored` giving how many), horizon
/// markers, and the numbers at risk under the x axis at its ticks.
///
/// Only what the report shows is drawn: a group without a curve (suppressed, or no patients)
/// gets no line, and with `--min-cell N` a curve stops where fewer than N patients remain at
/// risk and small at-risk counts print as the mark.
struct KaplanMeierChart {
  /// One group's estimate.
  struct Series {
    /// The group's label.
    var label: String
    /// Index of the group in the report (its colour and dash).
    var index: Int
    /// The group's result for this endpoint.
    var survival: EndpointResult.Survival
  }

  /// The groups, in report order.
  var series: [Series]
  /// The report's `minCell`.
  var minCell: Int
  /// Horizon days of the endpoint.
  var horizons: [Int]

  static let width = 760.0
  static let plotHeight = 280.0
  static let rowHeight = 18.0

  /// Patients at risk on `day` (time ≥ day) from a curve whose points carry the number at risk
  /// at each observed time: the first point on or after `day`, 0 past the last point.
  /// Matches `KaplanMeierEstimate.atRisk(at:)`.
  static func atRisk(_ curve: [EndpointResult.Survival.CurvePoint], at day: Double) -> Int {
    curve.first { $0.day >= day }?.atRisk ?? 0
  }

  /// The part of `curve` drawn: all of it, or with `minCell > 1` the points while at least
  /// `minCell` patients are at risk.
  static func displayedCurve(_ curve: [EndpointResult.Survival.CurvePoint], minCell: Int)
    -> [EndpointResult.Survival.CurvePoint]
  {
    guard minCell > 1 else { return curve }
    return Array(curve.prefix { $0.atRisk >= minCell })
  }

  /// Steps of a curve in data units, starting at (0, 1) when the curve starts lower.
  static func steps(
    _ curve: [EndpointResult.Survival.CurvePoint],
    _ value: (EndpointResult.Survival.CurvePoint) -> Double
  ) -> [SVGPoint] {
    var steps = curve.map { SVGPoint($0.day, value($0)) }
    if let first = steps.first, first.x > 0 || first.y < 1 { steps.insert(SVGPoint(0, 1), at: 0) }
    return steps
  }

  /// A count for the at-risk rows, masked like the report's counts.
  func count(_ n: Int) -> String {
    minCell > 1 && n >= 1 && n < minCell ? "<\(minCell)" : String(n)
  }

  /// The SVG element.
  func svg(title: String) -> String {
    let shown = series.map { Self.displayedCurve($0.survival.curve, minCell: minCell) }
    let maxDay = max(
      Double(horizons.max() ?? 0), shown.compactMap { $0.last?.day }.max() ?? 0,
      series.compactMap { $0.survival.curve.last?.day }.max() ?? 0)
    let ticks = SVGPlot.dayTicks(maxDay: maxDay)
    let longest =
      series.map { Markup.truncated($0.label, to: 22) }.map {
        SVGPlot.estimatedWidth($0, fontSize: 12)
      }.max() ?? 0
    let left = max(56, min(200, longest + 24))
    let right = Self.width - 24
    let top = 26.0
    let bottom = top + Self.plotHeight
    let x = LinearScale(domain: (0, Double(ticks.last ?? 1)), range: (left, right))
    let y = LinearScale(domain: (0, 1), range: (bottom, top))
    var parts: [String] = []

    // Grid and axes.
    for t in stride(from: 0.0, through: 1.0001, by: 0.2) {
      let yy = SVGPlot.number(y(t))
      parts.append(
        Markup.element(
          "line",
          [
            "class": "grid", "x1": SVGPlot.number(left), "x2": SVGPlot.number(right), "y1": yy,
            "y2": yy,
          ]))
      parts.append(
        Markup.text(
          "text",
          [
            "class": "tick", "x": SVGPlot.number(left - 6), "y": SVGPlot.number(y(t) + 4),
            "text-anchor": "end",
          ],
          SVGPlot.percent(t)))
    }
    for t in ticks {
      let xx = SVGPlot.number(x(Double(t)))
      parts.append(
        Markup.element(
          "line",
          [
            "class": "axis", "x1": xx, "x2": xx, "y1": SVGPlot.number(bottom),
            "y2": SVGPlot.number(bottom + 5),
          ]))
      parts.append(
        Markup.text(
          "text",
          ["class": "tick", "x": xx, "y": SVGPlot.number(bottom + 18), "text-anchor": "middle"],
          String(t)))
    }
    parts.append(
      Markup.element(
        "path",
        [
          "class": "axis",
          "d":
            "M\(SVGPlot.number(left)) \(SVGPlot.number(top))V\(SVGPlot.number(bottom))H\(SVGPlot.number(right))",
        ]))
    parts.append(
      Markup.text(
        "text",
        [
          "class": "axis-title", "x": SVGPlot.number((left + right) / 2),
          "y": SVGPlot.number(bottom + 36), "text-anchor": "middle",
        ],
        "Days since enrollment"))
    parts.append(
      Markup.text(
        "text",
        [
          "class": "axis-title", "x": SVGPlot.number(left - 44),
          "y": SVGPlot.number((top + bottom) / 2),
          "text-anchor": "middle",
          "transform":
            "rotate(-90 \(SVGPlot.number(left - 44)) \(SVGPlot.number((top + bottom) / 2)))",
        ],
        "Survival"))

    // Horizons.
    for h in horizons {
      let xx = SVGPlot.number(x(Double(h)))
      parts.append(
        Markup.element(
          "line",
          [
            "class": "horizon", "x1": xx, "x2": xx, "y1": SVGPlot.number(top),
            "y2": SVGPlot.number(bottom),
          ]))
      parts.append(
        Markup.text(
          "text",
          [
            "class": "horizon-label", "x": xx, "y": SVGPlot.number(top - 8),
            "text-anchor": "middle",
          ],
          "day \(h)"))
    }

    // Bands first, then curves on top, then horizon dots.
    func pixels(_ steps: [SVGPoint]) -> [SVGPoint] { steps.map { SVGPoint(x($0.x), y($0.y)) } }
    for (s, curve) in zip(series, shown) where !curve.isEmpty {
      let band = SVGPlot.stepBand(
        upper: pixels(Self.steps(curve) { $0.ciHigh }),
        lower: pixels(Self.steps(curve) { $0.ciLow }))
      parts.append(
        Markup.element(
          "polygon",
          [
            "class": "km-band", "data-group": s.label, "points": band,
            "fill": ReportPalette.color(s.index),
          ]))
    }
    for (s, curve) in zip(series, shown) where !curve.isEmpty {
      let d = SVGPlot.path(SVGPlot.stepVertices(pixels(Self.steps(curve) { $0.survival })))
      let dash = ReportPalette.dash(s.index)
      parts.append(
        Markup.element(
          "path",
          [
            "class": "km-curve", "data-group": s.label, "d": d,
            "stroke": ReportPalette.color(s.index),
            "stroke-dasharray": dash.isEmpty ? "none" : dash,
          ]))
    }
    // Censoring marks: a short vertical tick where the curve stands on each censoring day.
    for (s, curve) in zip(series, shown) {
      for p in curve where p.censored > 0 {
        let cx = SVGPlot.number(x(p.day))
        parts.append(
          Markup.element(
            "line",
            [
              "class": "km-censor", "data-group": s.label, "data-censored": String(p.censored),
              "x1": cx, "x2": cx, "y1": SVGPlot.number(y(p.survival) - 5),
              "y2": SVGPlot.number(y(p.survival) + 5), "stroke": ReportPalette.color(s.index),
              "stroke-width": "1.5",
            ]))
      }
    }
    for (s, curve) in zip(series, shown) {
      guard let last = curve.last?.day else { continue }
      for p in s.survival.points where Double(p.day) <= last {
        guard let value = p.survival else { continue }
        parts.append(
          Markup.element(
            "circle",
            [
              "class": "horizon-point", "data-group": s.label,
              "cx": SVGPlot.number(x(Double(p.day))),
              "cy": SVGPlot.number(y(value)), "r": "3.5", "fill": ReportPalette.color(s.index),
            ]))
      }
    }

    // Numbers at risk.
    var rows: [String] = []
    let tableTop = bottom + 62
    rows.append(
      Markup.text(
        "text", ["class": "at-risk-title", "x": "0", "y": SVGPlot.number(tableTop)],
        "Number at risk"))
    for (i, s) in series.enumerated() {
      let yy = SVGPlot.number(tableTop + Self.rowHeight * Double(i + 1))
      rows.append(
        Markup.element(
          "text",
          ["class": "at-risk-label", "x": "0", "y": yy, "fill": ReportPalette.color(s.index)],
          Markup.element("title", [:], Markup.escape(s.label))
            + Markup.escape(Markup.truncated(s.label, to: 22))))
      if s.survival.curve.isEmpty {
        let text =
          (s.survival.patients ?? 1) == 0 ? "not shown (no patients)" : "not shown (suppressed)"
        rows.append(
          Markup.text("text", ["class": "at-risk-none", "x": SVGPlot.number(left), "y": yy], text))
        continue
      }
      for t in ticks {
        rows.append(
          Markup.text(
            "text",
            [
              "class": "at-risk-count", "x": SVGPlot.number(x(Double(t))), "y": yy,
              "text-anchor": "middle",
            ],
            count(Self.atRisk(s.survival.curve, at: Double(t)))))
      }
    }
    parts.append(Markup.element("g", ["class": "at-risk"], rows.joined()))
    let height = tableTop + Self.rowHeight * Double(series.count) + 10
    return Markup.element(
      "svg",
      [
        "class": "chart km",
        "viewBox": "0 0 \(SVGPlot.number(Self.width)) \(SVGPlot.number(height))",
        "role": "img", "aria-label": title,
      ],
      Markup.element("title", [:], Markup.escape(title)) + parts.joined(separator: "\n"))
  }
}
