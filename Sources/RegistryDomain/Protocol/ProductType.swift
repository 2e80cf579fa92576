/// What an MSC lot contains (SPEC §2, `lot add --product`, protocol `treatment.product`).
public enum ProductType: String, Sendable, Hashable, CaseIterable, Codable {
  /// Living cells; doses count cells.
  case cells
  /// Extracellular vesicles; doses count particles.
  case extracellularVesicles = "extracellular_vesicles"
}
