/// Stratified permuted-block randomization, reproducible from the protocol's seed (SPEC §4).
///
/// Algorithm (every step portable, so the list can be re-derived outside Swift):
/// 1. Each stratum has its own generator: `SplitMix64(seed: seed ^ FNV1a64.hash(stratum))`.
/// 2. Blocks are drawn one after another. For each block the size is
///    `blockSizes[uniform(below: blockSizes.count)]`; the block holds every arm, in protocol
///    order, `ratio × size / ratioSum` times, shuffled by Fisher–Yates from the last position
///    down: for i = n−1 … 1, swap i with `uniform(below: i + 1)`.
/// 3. The allocation with 0-based index k within the stratum is the k-th entry of the
///    concatenated blocks.
/// A single-arm protocol always gives its one arm and draws nothing. The function is pure: the
/// service passes the number of patients already randomized in the stratum as `index`, so an
/// arm is known only when it is assigned.
public struct BlockRandomizer: Sendable, Hashable {
  /// The arms, in protocol order (the order blocks are filled before shuffling).
  public let arms: [ProtocolArm]
  /// Block sizes to choose from; each a positive multiple of `ratioSum`.
  public let blockSizes: [Int]
  /// The protocol's seed.
  public let seed: UInt64

  /// Creates a randomizer from raw settings.
  ///
  /// - Returns: nil when `arms` is empty, a ratio is not positive, or (with more than one arm)
  ///   `blockSizes` is empty or holds a size that is not a positive multiple of the ratio sum.
  ///   `TrialProtocol(yaml:)` already refuses such protocols.
  public init?(arms: [ProtocolArm], blockSizes: [Int], seed: UInt64) {
    guard !arms.isEmpty, arms.allSatisfy({ $0.ratio > 0 }) else { return nil }
    let sum = arms.reduce(0) { $0 + $1.ratio }
    if arms.count > 1 {
      guard !blockSizes.isEmpty, blockSizes.allSatisfy({ $0 > 0 && $0 % sum == 0 }) else {
        return nil
      }
    }
    self.arms = arms
    self.blockSizes = blockSizes.isEmpty ? [sum] : blockSizes
    self.seed = seed
  }

  /// The randomizer of a validated protocol (a single-arm protocol without a `randomization`
  /// section gets block size = ratio and seed 0; it never draws).
  public init(protocol trial: TrialProtocol) {
    let sum = trial.arms.reduce(0) { $0 + $1.ratio }
    arms = trial.arms
    blockSizes = trial.randomization?.blockSizes ?? [sum]
    seed = trial.randomization?.seed ?? 0
  }

  /// Sum of the arms' ratios.
  public var ratioSum: Int { arms.reduce(0) { $0 + $1.ratio } }

  /// The arm for the allocation with 0-based `index` within `stratum` (for example the site
  /// code `PAN`, see `Randomization.stratumKey(siteCode:)`).
  ///
  /// - Parameters:
  ///   - stratum: the stratum key; any string, compared byte for byte.
  ///   - index: allocations already made in this stratum, ≥ 0 (negative is treated as 0).
  /// - Returns: the arm. Cost grows linearly with `index`. Never throws.
  public func arm(stratum: String, index: Int) -> ProtocolArm {
    if arms.count == 1 { return arms[0] }
    var generator = SplitMix64(seed: seed ^ FNV1a64.hash(stratum))
    var remaining = max(0, index)
    while true {
      let block = nextBlock(&generator)
      if remaining < block.count { return block[remaining] }
      remaining -= block.count
    }
  }

  /// The first `count` blocks of `stratum`, each a shuffled list of arms balanced by ratio.
  /// A single-arm protocol gives blocks of its one arm. Never throws.
  public func blocks(stratum: String, count: Int) -> [[ProtocolArm]] {
    var generator = SplitMix64(seed: seed ^ FNV1a64.hash(stratum))
    return (0..<max(0, count)).map { _ in nextBlock(&generator) }
  }

  /// The first `count` allocations of `stratum`, in order (`arm(stratum:index:)` for 0..<count).
  public func sequence(stratum: String, count: Int) -> [ProtocolArm] {
    guard count > 0 else { return [] }
    if arms.count == 1 { return Array(repeating: arms[0], count: count) }
    var generator = SplitMix64(seed: seed ^ FNV1a64.hash(stratum))
    var result: [ProtocolArm] = []
    while result.count < count { result += nextBlock(&generator) }
    return Array(result.prefix(count))
  }

  private func nextBlock(_ generator: inout SplitMix64) -> [ProtocolArm] {
    if arms.count == 1 { return Array(repeating: arms[0], count: blockSizes[0]) }
    let size = blockSizes[Int(generator.uniform(below: UInt64(blockSizes.count)))]
    let repeats = size / ratioSum
    var block: [ProtocolArm] = []
    block.reserveCapacity(size)
    for arm in arms {
      block += Array(repeating: arm, count: arm.ratio * repeats)
    }
    var i = block.count - 1
    while i > 0 {
      let j = Int(generator.uniform(below: UInt64(i + 1)))
      block.swapAt(i, j)
      i -= 1
    }
    return block
  }
}
