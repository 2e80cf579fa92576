/// Release criteria an MSC lot must meet before a protocol infuses it (`treatment.release`).
public struct ReleaseCriteria: Sendable, Hashable {
  /// Minimum viability, percent of cells (0–100).
  public let minViabilityPct: Double
  /// Maximum culture passage (≥ 0).
  public let maxPassage: Int
  /// Whether the ISCT marker panel must pass (Dominici 2006: ≥ 95% CD73/CD90/CD105 positive,
  /// ≤ 2% CD45/CD34/CD14/CD19/HLA-DR positive).
  public let isctMarkers: Bool

  /// Creates criteria; the values are taken as given.
  public init(minViabilityPct: Double, maxPassage: Int, isctMarkers: Bool) {
    self.minViabilityPct = minViabilityPct
    self.maxPassage = maxPassage
    self.isctMarkers = isctMarkers
  }
}

/// What a protocol allows to be infused (`treatment` in the protocol file).
public struct TreatmentPlan: Sendable, Hashable {
  /// Tissue sources a lot may come from; not empty.
  public let allowedSources: [TissueSource]
  /// The product a lot must be.
  public let product: ProductType
  /// Dose per kg body weight (cells/kg, or particles/kg for EVs); both ends present, min > 0.
  public let dosePerKg: Bounds<Double>
  /// Most infusions a patient may receive, ≥ 1.
  public let maxInfusions: Int
  /// Fewest days between two infusions of a patient, ≥ 0 (default 0).
  public let minDaysBetweenInfusions: Int
  /// Lot release criteria.
  public let release: ReleaseCriteria

  /// Creates a plan; the values are taken as given.
  public init(
    allowedSources: [TissueSource], product: ProductType, dosePerKg: Bounds<Double>,
    maxInfusions: Int, minDaysBetweenInfusions: Int, release: ReleaseCriteria
  ) {
    self.allowedSources = allowedSources
    self.product = product
    self.dosePerKg = dosePerKg
    self.maxInfusions = maxInfusions
    self.minDaysBetweenInfusions = minDaysBetweenInfusions
    self.release = release
  }
}
