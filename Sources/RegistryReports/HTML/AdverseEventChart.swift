import Foundation

/// Stacked horizontal bars of patients by worst CTCAE grade, one bar per group, over a pale
/// bar of the patients enrolled in the group. Suppressed counts are not drawn.
struct AdverseEventChart {
  /// One group's counts.
  struct Row {
    /// The group's label.
    var label: String
    /// Patients enrolled (the pale bar), nil when suppressed.
    var enrolled: Int?
    /// Patients by worst grade 1…5, nil when suppressed.
    var grades: [Int?]
    /// What the right-hand column prints.
    var value: String
  }

  var rows: [Row]

  static let width = 760.0
  static let rowHeight = 32.0

  /// The SVG element.
  func svg(title: String) -> String {
    let longest =
      rows.map { SVGPlot.estimatedWidth(Markup.truncated($0.label, to: 22), fontSize: 13) }
      .max() ?? 0
    let left = max(60, min(200, longest + 20))
    let right = Self.width - 170
    let top = 10.0
    let bottom = top + Self.rowHeight * Double(rows.count)
    let largest =
      rows.map { max($0.enrolled ?? 0, $0.grades.reduce(0) { $0 + ($1 ?? 0) }) }.max() ?? 0
    let ticks = SVGPlot.niceTicks(0, Double(max(largest, 1)), count: 5).filter {
      $0 == $0.rounded()
    }
    let x = LinearScale(domain: (0, ticks.last ?? 1), range: (left, right))
    var parts: [String] = []
    for t in ticks {
      let xx = SVGPlot.number(x(t))
      parts.append(
        Markup.element(
          "line",
          [
            "class": "grid", "x1": xx, "x2": xx, "y1": SVGPlot.number(top),
            "y2": SVGPlot.number(bottom),
          ]))
      parts.append(
        Markup.text(
          "text",
          ["class": "tick", "x": xx, "y": SVGPlot.number(bottom + 16), "text-anchor": "middle"],
          SVGPlot.tickLabel(t)))
    }
    parts.append(
      Markup.text(
        "text",
        [
          "class": "axis-title", "x": SVGPlot.number((left + right) / 2),
          "y": SVGPlot.number(bottom + 34), "text-anchor": "middle",
        ],
        "Patients"))
    for (i, row) in rows.enumerated() {
      let barTop = top + Self.rowHeight * Double(i) + 6
      let barHeight = Self.rowHeight - 12
      let yy = SVGPlot.number(barTop)
      let hh = SVGPlot.number(barHeight)
      parts.append(
        Markup.element(
          "text",
          ["class": "row-label", "x": "0", "y": SVGPlot.number(barTop + barHeight / 2 + 4)],
          Markup.element("title", [:], Markup.escape(row.label))
            + Markup.escape(Markup.truncated(row.label, to: 22))))
      if let enrolled = row.enrolled {
        parts.append(
          Markup.element(
            "rect",
            [
              "class": "ae-enrolled", "data-group": row.label, "x": SVGPlot.number(left),
              "y": SVGPlot.number(barTop - 3),
              "width": SVGPlot.number(x(Double(enrolled)) - left),
              "height": SVGPlot.number(barHeight + 6),
            ]))
      }
      var start = 0
      for (g, n) in row.grades.enumerated() {
        guard let n, n > 0 else { continue }
        let x0 = x(Double(start))
        let w = x(Double(start + n)) - x0
        parts.append(
          Markup.element(
            "rect",
            [
              "class": "ae-grade", "data-group": row.label, "data-grade": String(g + 1),
              "x": SVGPlot.number(x0), "y": yy,
              "width": SVGPlot.number(w), "height": hh, "fill": ReportPalette.grades[g],
            ],
            Markup.element(
              "title", [:], Markup.escape("\(row.label): worst grade \(g + 1), \(n) patients"))))
        if w >= 18 {
          parts.append(
            Markup.text(
              "text",
              [
                "class": "bar-count", "x": SVGPlot.number(x0 + w / 2),
                "y": SVGPlot.number(barTop + barHeight / 2 + 4),
                "text-anchor": "middle", "fill": ReportPalette.gradeText[g],
              ],
              String(n)))
        }
        start += n
      }
      parts.append(
        Markup.text(
          "text",
          [
            "class": "row-value", "x": SVGPlot.number(right + 16),
            "y": SVGPlot.number(barTop + barHeight / 2 + 4),
          ],
          row.value))
    }
    let height = bottom + 44
    return Markup.element(
      "svg",
      [
        "class": "chart ae",
        "viewBox": "0 0 \(SVGPlot.number(Self.width)) \(SVGPlot.number(height))",
        "role": "img", "aria-label": title,
      ],
      Markup.element("title", [:], Markup.escape(title)) + parts.joined(separator: "\n"))
  }
}
