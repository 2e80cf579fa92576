/// The kind of a protocol endpoint (SPEC §3 `endpoints[].kind`, §6).
public enum EndpointKind: String, Sendable, Hashable, CaseIterable, Codable {
  /// Kaplan–Meier survival over `events`, reported at `horizons_days`.
  case survival
  /// SLE Responder Index 4 at `visit` (SLE only).
  case sri4
  /// KDIGO 2024 renal response at `visit` (SLE only).
  case renalResponse = "renal_response"
  /// Change of `measure` from baseline (the day-0 visit) to `visit`.
  case change

  /// The condition this kind is restricted to; nil when any condition may use it.
  public var condition: Condition? {
    switch self {
    case .sri4, .renalResponse: .sle
    case .survival, .change: nil
    }
  }
}
