/// The version of the clinical score definitions, stored with every derived score.
///
/// Bump it whenever a formula, bound, rounding rule, unit factor or plausible range in
/// `RegistryDomain` changes, so that stored scores can be traced to the rules that made them.
public enum ScoreEngine {
  /// Calendar version of the score rules (REFERENCE.md as of November 2026).
  public static let version = "2026.11.1"
}
