import Foundation
import RegistryDomain

/// The random draws of the synthetic cohort: a `SplitMix64` stream with the few distributions
/// the generator needs (uniform, normal, Bernoulli, Poisson, weighted choice).
///
/// Every patient gets its own streams, derived from the cohort seed, the patient's index and a
/// stream number (`SeedRandom(seed:index:stream:)`), so that a patient's rows are the same
/// whatever order they are generated in, and one table can be regenerated without the others.
public struct SeedRandom: Sendable {
  private var generator: SplitMix64

  /// A stream for `seed` alone.
  public init(seed: UInt64) {
    generator = SplitMix64(seed: seed)
    _ = generator.next()
  }

  /// The stream `stream` of item `index` (a patient, a lot) under the cohort `seed`.
  public init(seed: UInt64, index: Int, stream: UInt64) {
    var mixer = SplitMix64(
      seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        ^ (stream &* 0x8CB9_2BA7_2F3D_8DD7))
    generator = SplitMix64(seed: mixer.next())
  }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func uniform() -> Double {
    Double(generator.next() >> 11) * 0x1.0p-53
  }

  /// A uniform double in `range`.
  public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
    range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
  }

  /// A uniform integer in `range`.
  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound
      + Int(generator.uniform(below: UInt64(range.upperBound - range.lowerBound + 1)))
  }

  /// True with probability `p`.
  public mutating func chance(_ p: Double) -> Bool { uniform() < p }

  /// A standard normal deviate (Box–Muller, one of the pair).
  public mutating func normal() -> Double {
    let u1 = max(uniform(), 0x1.0p-60)
    let u2 = uniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// A Poisson count with mean `mean` (Knuth's product method; means up to ~30).
  public mutating func poisson(_ mean: Double) -> Int {
    let limit = exp(-mean)
    var k = 0
    var p = uniform()
    while p > limit {
      k += 1
      p *= uniform()
    }
    return k
  }

  /// An index chosen with probability proportional to `weights` (not all zero).
  public mutating func weighted(_ weights: [Double]) -> Int {
    let total = weights.reduce(0, +)
    var x = uniform() * total
    for (i, w) in weights.enumerated() {
      if x < w { return i }
      x -= w
    }
    return weights.count - 1
  }

  /// One element of a non-empty array, uniformly.
  public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

  /// A triangular integer offset in `low...high` peaking at 0 (visit-date jitter).
  public mutating func jitter(_ low: Int, _ high: Int) -> Int {
    let a = int(low...high)
    let b = int(low...high)
    let v = (a + b) / 2
    return min(max(v, low), high)
  }
}

/// The standard normal cumulative distribution function.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// `value` rounded to `places` decimals.
func rounded(_ value: Double, _ places: Int) -> Double {
  let scale = pow(10.0, Double(places))
  return (value * scale).rounded() / scale
}

/// `value` bounded to `range`.
func clamped(_ value: Double, _ range: ClosedRange<Double>) -> Double {
  min(max(value, range.lowerBound), range.upperBound)
}
