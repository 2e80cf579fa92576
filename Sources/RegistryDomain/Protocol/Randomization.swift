/// A factor that randomization is stratified by (`randomization.stratify_by`).
///
/// Only `site` is allowed for now: the enrolling site is always known at enrollment, and further
/// factors would change how stratum keys are built (see `Randomization.stratumKey(siteCode:)`).
public enum StratificationFactor: String, Sendable, Hashable, CaseIterable {
  /// The enrolling site's code.
  case site
}

/// How patients are allocated to arms: stratified permuted blocks (`randomization` in the
/// protocol file), reproducible from `seed` (see `BlockRandomizer`).
public struct Randomization: Sendable, Hashable {
  /// Block sizes the randomizer picks from, each a positive multiple of the arms' ratio sum.
  public let blockSizes: [Int]
  /// Stratification factors; empty means one stratum for the whole trial.
  public let stratifyBy: [StratificationFactor]
  /// The seed of the allocation sequences, ≥ 0.
  public let seed: UInt64

  /// Creates the settings; the values are taken as given.
  public init(blockSizes: [Int], stratifyBy: [StratificationFactor], seed: UInt64) {
    self.blockSizes = blockSizes
    self.stratifyBy = stratifyBy
    self.seed = seed
  }

  /// The stratum key a patient is randomized in: the site code when stratified by site,
  /// `"*"` when not stratified.
  public func stratumKey(siteCode: String) -> String {
    stratifyBy.contains(.site) ? siteCode : "*"
  }
}
