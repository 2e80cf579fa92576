/// Sex as recorded at enrollment (SPEC §5 `--sex F|M`); MELD 3.0 adds 1.33 for female
/// (and for anyone aged 12–17).
public enum Sex: String, ClinicalCode, CustomStringConvertible {
  case female = "F"
  case male = "M"

  public static let codeName = "sex"
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "sex"

  /// `F` or `M`.
  public var description: String { rawValue }
}
