/// A clinical score with its display name and published source, for calculators and reports.
public protocol CitedScore: ClinicalScore {
  /// How the score is called in text: `MELD-Na`, `2019 EULAR/ACR` …
  static var title: String { get }
  /// The source of the formula and the registry's choices (REFERENCE.md).
  static var source: String { get }
}

extension SLEDAI2K: CitedScore {
  public static let title = "SLEDAI-2K"
  public static let source = "Gladman et al., J Rheumatol 2002;29:288"
}

extension EULARACR2019: CitedScore {
  public static let title = "2019 EULAR/ACR"
  public static let source = "Aringer et al., Ann Rheum Dis 2019"
}

extension MELD: CitedScore {
  public static let title = "MELD"
  public static let source = "OPTN policy (MELD before 2016)"
}

extension MELDNa: CitedScore {
  public static let title = "MELD-Na"
  public static let source = "OPTN policy, January 2016"
}

extension MELD3: CitedScore {
  public static let title = "MELD 3.0"
  public static let source = "Kim et al., Gastroenterology 2021;161:1887"
}

extension ChildPugh: CitedScore {
  public static let title = "Child-Pugh"
  public static let source =
    "Pugh et al., Br J Surg 1973;60:646 (INR in place of prothrombin time: < 1.7, 1.7–2.3, > 2.3)"
}

extension ScorePart {
  /// The value as a person writes it: at most 6 decimals, no trailing zeros (`4.2`, `2.003912`).
  public var formattedValue: String { ClinicalNumber.format(value, decimals: 6) }

  /// The value cleared of binary floating-point noise below 1e-9 (`16.650000000000002` is
  /// `16.65`), for machine-readable output.
  public var reportedValue: Double { ClinicalNumber.snap(value) }
}
