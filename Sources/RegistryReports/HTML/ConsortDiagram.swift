import Foundation

/// The CONSORT flow as boxes and arrows: screened → screen failures (by criterion, to the
/// side) → enrolled → allocated per arm → follow-up (treated, withdrawn) → analysed.
///
/// Counts arrive formatted (a suppressed count is already the mark). With per-arm follow-up
/// (a report grouped by arm) every arm keeps its own column to the end; otherwise the arms
/// join again into one column of totals.
struct ConsortDiagram {
  /// One arm's column.
  struct Arm {
    /// Arm code.
    var code: String
    /// Patients allocated.
    var allocated: String
    /// Per-arm follow-up, when known: treated, withdrawn, analysed.
    var followUp: (treated: String, withdrawn: String, analysed: String)?
  }

  var screened: String
  var screenFailed: String
  /// Screen failures by criterion, in display order.
  var failures: [(criterion: String, count: String)]
  var enrolled: String
  var arms: [Arm]
  var treated: String
  var withdrawn: String
  var analysed: String

  static let width = 760.0
  static let lineHeight = 17.0

  /// A box with a bold first line, centred lines after it, then left-aligned detail lines.
  struct Box {
    var x: Double
    var y: Double
    var width: Double
    var lines: [String]
    var details: [String] = []
    var kind = "box"

    var height: Double {
      16 + ConsortDiagram.lineHeight * Double(lines.count + details.count)
        + (details.isEmpty ? 0 : 4)
    }
    var bottom: Double { y + height }
    var centerX: Double { x + width / 2 }

    var svg: String {
      let chars = Int(width / 7)
      var parts = [
        Markup.element(
          "rect",
          [
            "class": kind, "x": SVGPlot.number(x), "y": SVGPlot.number(y),
            "width": SVGPlot.number(width), "height": SVGPlot.number(height), "rx": "6",
          ])
      ]
      var baseline = y + 8 + 13
      for (i, line) in lines.enumerated() {
        parts.append(
          Markup.text(
            "text",
            [
              "class": i == 0 ? "box-title" : "box-count", "x": SVGPlot.number(centerX),
              "y": SVGPlot.number(baseline), "text-anchor": "middle",
            ],
            Markup.truncated(line, to: chars)))
        baseline += ConsortDiagram.lineHeight
      }
      baseline += 4
      for line in details {
        parts.append(
          Markup.text(
            "text",
            ["class": "box-detail", "x": SVGPlot.number(x + 14), "y": SVGPlot.number(baseline)],
            Markup.truncated(line, to: chars - 2)))
        baseline += ConsortDiagram.lineHeight
      }
      return Markup.element("g", ["class": "consort-box"], parts.joined())
    }
  }

  /// A straight arrow (horizontal or vertical lines only) with a triangular head at `to`.
  static func arrow(from: SVGPoint, to: SVGPoint) -> String {
    let dx = to.x - from.x
    let dy = to.y - from.y
    let length = max((dx * dx + dy * dy).squareRoot(), 1)
    let (ux, uy) = (dx / length, dy / length)
    let base = SVGPoint(to.x - ux * 7, to.y - uy * 7)
    let wing = (x: -uy * 4, y: ux * 4)
    let head = [
      to, SVGPoint(base.x + wing.x, base.y + wing.y), SVGPoint(base.x - wing.x, base.y - wing.y),
    ]
    return Markup.element(
      "line",
      [
        "class": "flow", "x1": SVGPlot.number(from.x), "y1": SVGPlot.number(from.y),
        "x2": SVGPlot.number(base.x), "y2": SVGPlot.number(base.y),
      ])
      + Markup.element(
        "polygon",
        [
          "class": "arrowhead",
          "points": head.map { "\(SVGPlot.number($0.x)),\(SVGPlot.number($0.y))" }.joined(
            separator: " "),
        ])
  }

  /// A plain connector line.
  static func line(_ from: SVGPoint, _ to: SVGPoint) -> String {
    Markup.element(
      "line",
      [
        "class": "flow", "x1": SVGPlot.number(from.x), "y1": SVGPlot.number(from.y),
        "x2": SVGPlot.number(to.x), "y2": SVGPlot.number(to.y),
      ])
  }

  /// The SVG element.
  func svg(title: String) -> String {
    let mainWidth = 270.0
    let mainX = 230.0
    var parts: [String] = []
    let screenedBox = Box(
      x: mainX - mainWidth / 2, y: 8, width: mainWidth,
      lines: ["Assessed for eligibility", "n = \(screened)"])
    let excluded = Box(
      x: 440, y: screenedBox.bottom + 22, width: Self.width - 448,
      lines: ["Screen failures", "n = \(screenFailed)"],
      details: failures.map { "\($0.criterion): \($0.count)" }, kind: "box side")
    let enrolledBox = Box(
      x: mainX - mainWidth / 2, y: max(screenedBox.bottom + 90, excluded.bottom + 26),
      width: mainWidth, lines: ["Enrolled", "n = \(enrolled)"])
    parts += [screenedBox.svg, excluded.svg, enrolledBox.svg]
    parts.append(
      Self.arrow(from: SVGPoint(mainX, screenedBox.bottom), to: SVGPoint(mainX, enrolledBox.y)))
    let branchY = excluded.y + 25
    parts.append(Self.arrow(from: SVGPoint(mainX, branchY), to: SVGPoint(excluded.x, branchY)))

    var bottom = enrolledBox.bottom
    var joinFrom: [SVGPoint] = [SVGPoint(mainX, enrolledBox.bottom)]
    if !arms.isEmpty {
      let columnWidth = Self.width / Double(arms.count)
      let boxWidth = min(240, columnWidth - 20)
      let centers = arms.indices.map { columnWidth * (Double($0) + 0.5) }
      let busY = enrolledBox.bottom + 20
      parts.append(Self.line(SVGPoint(mainX, enrolledBox.bottom), SVGPoint(mainX, busY)))
      parts.append(
        Self.line(
          SVGPoint(min(mainX, centers.min()!), busY), SVGPoint(max(mainX, centers.max()!), busY)))
      var armBottoms: [SVGPoint] = []
      var perArmBottom = 0.0
      for (arm, cx) in zip(arms, centers) {
        let allocated = Box(
          x: cx - boxWidth / 2, y: busY + 22, width: boxWidth,
          lines: ["Allocated to \(arm.code)", "n = \(arm.allocated)"])
        parts.append(Self.arrow(from: SVGPoint(cx, busY), to: SVGPoint(cx, allocated.y)))
        parts.append(allocated.svg)
        guard let f = arm.followUp else {
          armBottoms.append(SVGPoint(cx, allocated.bottom))
          perArmBottom = max(perArmBottom, allocated.bottom)
          continue
        }
        let follow = Box(
          x: allocated.x, y: allocated.bottom + 30, width: boxWidth,
          lines: ["Follow-up"],
          details: ["Treated (≥ 1 infusion): \(f.treated)", "Withdrawn: \(f.withdrawn)"])
        let analysed = Box(
          x: allocated.x, y: follow.bottom + 30, width: boxWidth,
          lines: ["Analysed (ITT)", "n = \(f.analysed)"])
        parts += [
          Self.arrow(from: SVGPoint(cx, allocated.bottom), to: SVGPoint(cx, follow.y)), follow.svg,
          Self.arrow(from: SVGPoint(cx, follow.bottom), to: SVGPoint(cx, analysed.y)), analysed.svg,
        ]
        perArmBottom = max(perArmBottom, analysed.bottom)
      }
      bottom = perArmBottom
      joinFrom = armBottoms
    }
    if !joinFrom.isEmpty && (arms.isEmpty || arms.contains { $0.followUp == nil }) {
      // One column of totals.
      let busY = bottom + 20
      for p in joinFrom { parts.append(Self.line(p, SVGPoint(p.x, busY))) }
      let xs = joinFrom.map(\.x) + [mainX]
      if xs.count > 1 {
        parts.append(Self.line(SVGPoint(xs.min()!, busY), SVGPoint(xs.max()!, busY)))
      }
      let follow = Box(
        x: mainX - mainWidth / 2, y: busY + 22, width: mainWidth, lines: ["Follow-up"],
        details: ["Treated (≥ 1 infusion): \(treated)", "Withdrawn: \(withdrawn)"])
      let analysedBox = Box(
        x: mainX - mainWidth / 2, y: follow.bottom + 30, width: mainWidth,
        lines: ["Analysed (intention to treat)", "n = \(analysed)"])
      parts += [
        Self.arrow(from: SVGPoint(mainX, busY), to: SVGPoint(mainX, follow.y)), follow.svg,
        Self.arrow(from: SVGPoint(mainX, follow.bottom), to: SVGPoint(mainX, analysedBox.y)),
        analysedBox.svg,
      ]
      bottom = analysedBox.bottom
    }
    return Markup.element(
      "svg",
      [
        "class": "chart consort",
        "viewBox": "0 0 \(SVGPlot.number(Self.width)) \(SVGPlot.number(bottom + 8))",
        "role": "img", "aria-label": title,
      ],
      Markup.element("title", [:], Markup.escape(title)) + parts.joined(separator: "\n"))
  }
}
