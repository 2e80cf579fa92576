/// Release status of an MSC lot (SPEC §2): a new lot is in `quarantine` until released or
/// rejected. A released lot may still be rejected (a recall); a rejected lot stays rejected.
public enum LotStatus: String, ClinicalCode {
  case quarantine, released, rejected

  public static let codeName = "lot status"
}

/// Result of a microbiological release test (sterility, mycoplasma).
public enum MicrobiologyResult: String, ClinicalCode {
  case negative, positive

  public static let codeName = "test result"
}

extension TissueSource: ClinicalCode {
  public static let codeName = "tissue source"
}

extension DonorType: ClinicalCode {
  public static let codeName = "donor type"
}

extension ProductType: ClinicalCode {
  public static let codeName = "product"
}

extension Route: ClinicalCode {
  public static let codeName = "route"
}
