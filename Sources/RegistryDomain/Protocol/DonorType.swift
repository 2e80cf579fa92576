/// Whether an MSC lot comes from the patient or another donor (SPEC §2, `lot add --donor`).
public enum DonorType: String, Sendable, Hashable, CaseIterable, Codable {
  /// The recipient's own cells.
  case autologous
  /// Cells from another donor.
  case allogeneic
}
