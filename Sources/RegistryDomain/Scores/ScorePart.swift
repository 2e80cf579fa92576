/// One named part of a score: a bounded input, a sub-score or points, for display and JSON.
///
/// Names are snake_case and stable (`bilirubin_used`, `meld_i`, `ascites_points` …).
public struct ScorePart: Sendable, Hashable, CustomStringConvertible {
  /// Stable snake_case name.
  public let name: String
  /// The value (integral for points and weights).
  public let value: Double

  /// Creates a part.
  public init(_ name: String, _ value: Double) {
    self.name = name
    self.value = value
  }

  /// `name=value`.
  public var description: String { "\(name)=\(ClinicalNumber.format(value, decimals: 6))" }
}

/// A clinical score with an integer result and its parts (SPEC §7 `score … --format json`).
public protocol ClinicalScore: Sendable {
  /// The instrument code, as the protocol's measures spell it (`meld`, `meld_na`, `meld_3`,
  /// `child_pugh`, `sledai_2k`, `eular_acr_2019`).
  static var instrument: String { get }
  /// The score.
  var score: Int { get }
  /// The parts that make it up, in a stable order.
  var parts: [ScorePart] { get }
}
