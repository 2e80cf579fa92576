/// How an infusion was given (SPEC §2, `infuse --route`).
public enum Route: String, Sendable, Hashable, CaseIterable, Codable {
  /// Peripheral intravenous infusion (the default).
  case iv
  /// Hepatic artery.
  case intraArterialHepatic = "intra_arterial_hepatic"
  /// Portal vein.
  case portalVein = "portal_vein"
  /// Renal artery.
  case intrarenal
}
