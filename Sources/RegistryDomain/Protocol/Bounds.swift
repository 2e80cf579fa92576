/// An inclusive range with optional ends, as protocol files write criteria: `{min: 8}`,
/// `{min: 18, max: 65}`.
///
/// A missing end is unbounded. Validation guarantees min ≤ max when both are present.
public struct Bounds<Value: Comparable & Sendable & Hashable>: Sendable, Hashable {
  /// Smallest allowed value (inclusive); nil when unbounded below.
  public var min: Value?
  /// Largest allowed value (inclusive); nil when unbounded above.
  public var max: Value?

  /// Creates bounds; either end may be nil.
  public init(min: Value? = nil, max: Value? = nil) {
    self.min = min
    self.max = max
  }

  /// Whether `value` lies within the bounds (ends included).
  public func contains(_ value: Value) -> Bool {
    if let min, value < min { return false }
    if let max, value > max { return false }
    return true
  }
}
