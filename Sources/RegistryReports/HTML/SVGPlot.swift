import Foundation

/// A point in SVG user units (y grows downwards).
struct SVGPoint: Equatable {
  var x: Double
  var y: Double

  init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

/// A linear map from a data interval to an SVG coordinate interval (either may be reversed).
struct LinearScale {
  /// Data interval.
  var domain: (low: Double, high: Double)
  /// Coordinate interval: `domain.low` maps to `range.low`.
  var range: (low: Double, high: Double)

  init(domain: (Double, Double), range: (Double, Double)) {
    self.domain = domain
    self.range = range
  }

  /// The coordinate of `value` (values outside the domain extrapolate; clamp with `clamped`).
  func callAsFunction(_ value: Double) -> Double {
    let span = domain.high - domain.low
    guard span != 0 else { return (range.low + range.high) / 2 }
    return range.low + (value - domain.low) / span * (range.high - range.low)
  }

  /// The coordinate of `value` held inside the domain first.
  func clamped(_ value: Double) -> Double {
    let lo = min(domain.low, domain.high)
    let hi = max(domain.low, domain.high)
    return self(min(max(value, lo), hi))
  }
}

/// Small pure pieces of the report's charts: numbers, ticks, step paths and bands.
enum SVGPlot {
  /// A coordinate with at most one decimal and no trailing `.0` (`12`, `12.5`, `-3`).
  static func number(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(format: "%.1f", rounded)
  }

  /// The vertices of a right-continuous step function through `steps` (sorted by x): the
  /// value of each step holds until the next step's x, then drops (or rises) vertically.
  static func stepVertices(_ steps: [SVGPoint]) -> [SVGPoint] {
    guard let first = steps.first else { return [] }
    var vertices = [first]
    for (previous, step) in zip(steps, steps.dropFirst()) {
      if step.x != previous.x { vertices.append(SVGPoint(step.x, previous.y)) }
      if vertices.last != step { vertices.append(step) }
    }
    return vertices
  }

  /// An SVG path `d` through `vertices`: `M x y L x y …`; empty without vertices.
  static func path(_ vertices: [SVGPoint]) -> String {
    guard let first = vertices.first else { return "" }
    var d = "M\(number(first.x)) \(number(first.y))"
    for v in vertices.dropFirst() { d += "L\(number(v.x)) \(number(v.y))" }
    return d
  }

  /// The `points` of a polygon filling between two step functions over the same x values:
  /// the upper steps forwards, then the lower steps backwards.
  static func stepBand(upper: [SVGPoint], lower: [SVGPoint]) -> String {
    let ring = stepVertices(upper) + stepVertices(lower).reversed()
    return ring.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
  }

  /// Round tick values covering `low…high`: steps of 1, 2 or 5 × 10ᵏ, about `count` of them;
  /// the first tick ≤ `low` and the last ≥ `high`.
  static func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    var low = low
    var high = high
    if high < low { swap(&low, &high) }
    if high == low {
      low -= 1
      high += 1
    }
    let raw = (high - low) / Double(max(1, count))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    let first = Int(floor(low / step + 1e-9))
    let last = Int(ceil(high / step - 1e-9))
    // Round to the step's decimals so that 3 × 0.2 prints and compares as 0.6.
    let scale = pow(10, max(0, -floor(log10(step))))
    return (first...last).map { k in
      let t = (Double(k) * step * scale).rounded() / scale
      return t == 0 ? 0 : t
    }
  }

  /// Day ticks for a follow-up axis reaching `maxDay`: multiples of 1, 2, 4, 8, 12, 16, 24, 48
  /// or 52 weeks, at most `maxIntervals` intervals, starting at 0 and ending at or after `maxDay`.
  static func dayTicks(maxDay: Double, maxIntervals: Int = 8) -> [Int] {
    let end = max(1, maxDay)
    let steps = [7, 14, 28, 56, 84, 112, 168, 336, 364, 728, 1456, 3640]
    let step =
      steps.first { Int((end / Double($0)).rounded(.up)) <= maxIntervals }
      ?? Int((end / Double(maxIntervals)).rounded(.up))
    let intervals = Int((end / Double(step)).rounded(.up))
    return (0...intervals).map { $0 * step }
  }

  /// A percentage tick label: `0%`, `25%`, `100%`.
  static func percent(_ fraction: Double) -> String {
    String(Int((fraction * 100).rounded())) + "%"
  }

  /// A tick label for a plain number: integers without decimals, else up to 2 decimals.
  static func tickLabel(_ value: Double) -> String {
    if value == value.rounded() { return String(Int(value)) }
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }

  /// Roughly how wide `text` is at `fontSize` in a sans-serif face (for margins; no font
  /// metrics are available to a renderer without I/O).
  static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
    Double(text.count) * fontSize * 0.58
  }
}
