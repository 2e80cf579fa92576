/// SplitMix64, a small portable pseudo-random generator (Steele, Lea & Flood, OOPSLA 2014;
/// the reference C code of Vigna, https://prng.di.unimi.it/splitmix64.c).
///
/// Chosen for randomization because its output is fully specified by 64-bit integer arithmetic:
/// a statistician can reproduce an allocation list in any language from the seed alone.
/// Swift's `SystemRandomNumberGenerator` and `Hasher` are not reproducible and are never used.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The generator's state; advances by 0x9E3779B97F4A7C15 per output.
  public private(set) var state: UInt64

  /// Starts the generator at `seed`.
  public init(seed: UInt64) {
    state = seed
  }

  /// The next 64-bit output.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in 0..<`bound` (bound ≥ 1) without modulo bias: outputs below
  /// 2⁶⁴ mod bound are rejected and the next one is drawn (OpenBSD `arc4random_uniform`).
  public mutating func uniform(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "bound must be positive")
    let threshold = (0 &- bound) % bound
    while true {
      let r = next()
      if r >= threshold { return r % bound }
    }
  }
}

/// FNV-1a, 64-bit (Fowler, Noll & Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3),
/// over the UTF-8 bytes of a string: a stable hash of stratum keys, identical in every process
/// and language (unlike Swift's per-process randomized `Hasher`).
public enum FNV1a64 {
  /// The FNV-1a 64-bit hash of `text`'s UTF-8 bytes.
  public static func hash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
      h ^= UInt64(byte)
      h = h &* 0x0000_0100_0000_01B3
    }
    return h
  }
}
