/// A dated clinical event that ends or censors follow-up (SPEC §2, `event add --kind`).
public enum ClinicalEventKind: String, Sendable, Hashable, CaseIterable, Codable {
  /// Death from any cause.
  case death
  /// Liver transplantation (an event of transplant-free survival).
  case liverTransplant = "liver_transplant"
  /// Lost to follow-up: a censoring, never a survival endpoint's event.
  case lostToFollowUp = "lost_to_follow_up"
}
