/// The disease a protocol studies (SPEC §2, §3 `condition`).
public enum Condition: String, Sendable, Hashable, CaseIterable, Codable {
  /// Systemic lupus erythematosus, lupus nephritis included.
  case sle
  /// Liver failure: acute-on-chronic liver failure or decompensated cirrhosis.
  case liverFailure = "liver_failure"
}
