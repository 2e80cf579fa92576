import Foundation

/// A dot-and-whisker chart: one row per group with its estimate and 95% interval, the value
/// printed at the right. Used for response rates (0–100%) and changes from baseline (a
/// symmetric-looking axis with a zero line).
///
/// A row without an estimate (suppressed, or nothing to estimate) draws nothing but its text.
struct IntervalChart {
  /// One group's figure.
  struct Row {
    /// The group's label.
    var label: String
    /// Index of the group in the report (its colour).
    var index: Int
    /// The estimate, nil when not shown.
    var estimate: Double?
    /// Lower bound.
    var low: Double?
    /// Upper bound.
    var high: Double?
    /// What the right-hand column prints (already formatted, e.g. `50.0% (34.5–65.5)`).
    var value: String
  }

  /// The axis: proportions on 0–100%, or plain values with a zero line.
  enum Axis {
    case proportion
    case value(title: String)
  }

  var rows: [Row]
  var axis: Axis

  static let width = 760.0
  static let rowHeight = 30.0

  /// The axis ticks.
  var ticks: [Double] {
    switch axis {
    case .proportion: return [0, 0.2, 0.4, 0.6, 0.8, 1]
    case .value:
      var values = [0.0]
      for row in rows { values += [row.estimate, row.low, row.high].compactMap { $0 } }
      let (low, high) = (values.min()!, values.max()!)
      let pad = (high - low) * 0.04
      return SVGPlot.niceTicks(low - pad, high + pad, count: 6)
    }
  }

  /// The SVG element.
  func svg(title: String) -> String {
    let ticks = self.ticks
    let longest =
      rows.map { SVGPlot.estimatedWidth(Markup.truncated($0.label, to: 22), fontSize: 13) }
      .max() ?? 0
    let left = max(60, min(200, longest + 20))
    let right = Self.width - 190
    let top = 10.0
    let bottom = top + Self.rowHeight * Double(rows.count)
    let x = LinearScale(domain: (ticks.first!, ticks.last!), range: (left, right))
    let label: (Double) -> String
    if case .proportion = axis { label = SVGPlot.percent } else { label = SVGPlot.tickLabel }
    var parts: [String] = []
    for t in ticks {
      let xx = SVGPlot.number(x(t))
      parts.append(
        Markup.element(
          "line",
          [
            "class": t == 0 && !isProportion ? "zero" : "grid", "x1": xx, "x2": xx,
            "y1": SVGPlot.number(top), "y2": SVGPlot.number(bottom),
          ]))
      parts.append(
        Markup.text(
          "text",
          ["class": "tick", "x": xx, "y": SVGPlot.number(bottom + 16), "text-anchor": "middle"],
          label(t)))
    }
    parts.append(
      Markup.element(
        "line",
        [
          "class": "axis", "x1": SVGPlot.number(left), "x2": SVGPlot.number(right),
          "y1": SVGPlot.number(bottom), "y2": SVGPlot.number(bottom),
        ]))
    if case .value(let axisTitle) = axis {
      parts.append(
        Markup.text(
          "text",
          [
            "class": "axis-title", "x": SVGPlot.number((left + right) / 2),
            "y": SVGPlot.number(bottom + 34), "text-anchor": "middle",
          ],
          axisTitle))
    }
    for (i, row) in rows.enumerated() {
      let cy = top + Self.rowHeight * (Double(i) + 0.5)
      let yy = SVGPlot.number(cy)
      let color = ReportPalette.color(row.index)
      parts.append(
        Markup.element(
          "text", ["class": "row-label", "x": "0", "y": SVGPlot.number(cy + 4)],
          Markup.element("title", [:], Markup.escape(row.label))
            + Markup.escape(Markup.truncated(row.label, to: 22))))
      if row.estimate != nil, let low = row.low, let high = row.high {
        let x1 = SVGPlot.number(x.clamped(low))
        let x2 = SVGPlot.number(x.clamped(high))
        let cap = "\(SVGPlot.number(cy - 6))"
        let capEnd = "\(SVGPlot.number(cy + 6))"
        parts.append(
          Markup.element(
            "path",
            [
              "class": "whisker", "data-group": row.label, "stroke": color,
              "d": "M\(x1) \(yy)H\(x2)M\(x1) \(cap)V\(capEnd)M\(x2) \(cap)V\(capEnd)",
            ]))
      }
      if let estimate = row.estimate {
        parts.append(
          Markup.element(
            "circle",
            [
              "class": "estimate", "data-group": row.label,
              "cx": SVGPlot.number(x.clamped(estimate)), "cy": yy, "r": "5",
              "fill": color,
            ]))
      }
      parts.append(
        Markup.text(
          "text",
          [
            "class": row.estimate == nil ? "row-value muted" : "row-value",
            "x": SVGPlot.number(right + 16), "y": SVGPlot.number(cy + 4),
          ],
          row.value))
    }
    let height = bottom + (isProportion ? 26 : 44)
    return Markup.element(
      "svg",
      [
        "class": "chart interval",
        "viewBox": "0 0 \(SVGPlot.number(Self.width)) \(SVGPlot.number(height))",
        "role": "img", "aria-label": title,
      ],
      Markup.element("title", [:], Markup.escape(title)) + parts.joined(separator: "\n"))
  }

  var isProportion: Bool {
    if case .proportion = axis { return true }
    return false
  }
}
