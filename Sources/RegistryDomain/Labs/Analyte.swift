/// A laboratory measurement the registry takes (SPEC §2 units, §4 plausible ranges, §5 options).
///
/// Each analyte has one canonical unit (the conventional US unit of SPEC §2) in which scores
/// are computed, the units it accepts with their conversion factors, and a plausible range in
/// the canonical unit:
///
/// | analyte | canonical | also accepted | plausible range |
/// |---|---|---|---|
/// | bilirubin | mg/dL | µmol/L ÷ 17.1 (SPEC §2) | 0.1–80 mg/dL (SPEC §4) |
/// | creatinine | mg/dL | µmol/L ÷ 88.4 (SPEC §2) | 0.1–25 mg/dL (registry's choice) |
/// | albumin | g/dL | g/L ÷ 10 (SPEC §2) | 0.5–7 g/dL (registry's choice) |
/// | sodium | mmol/L | mEq/L × 1 (Na⁺ is monovalent) | 100–180 mmol/L (SPEC §4) |
/// | INR | no unit | — | 0.5–15 (SPEC §4) |
/// | UPCR | g/g | mg/mmol ÷ 100, mg/g ÷ 1000 | 0–30 g/g (registry's choice) |
/// | C3 | mg/dL | g/L × 100 | 0–500 mg/dL (registry's choice) |
/// | C4 | mg/dL | g/L × 100 | 0–200 mg/dL (registry's choice) |
/// | anti-dsDNA | IU/mL | — | 0–10000 IU/mL (registry's choice) |
///
/// UPCR mg/mmol ÷ 100 is the registry's choice, taken from REFERENCE.md (KDIGO 2024 line:
/// "UPCR < 0.5 g/g (50 mg/mmol)"); the exact molar factor (≈ 113.1) is deliberately not used so
/// that the complete-response threshold is the same in both units. mg/g ÷ 1000 and
/// g/L × 100 are exact changes of prefix; sodium in mEq/L equals mmol/L (valence 1).
public enum Analyte: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
  /// Total serum bilirubin.
  case bilirubin
  /// Serum creatinine.
  case creatinine
  /// Serum albumin.
  case albumin
  /// Serum sodium.
  case sodium
  /// International normalised ratio of prothrombin time.
  case inr
  /// Urine protein/creatinine ratio (spot urine).
  case upcr
  /// Complement C3.
  case c3
  /// Complement C4.
  case c4
  /// Anti-double-stranded DNA antibodies.
  case antiDsDNA = "anti_dsdna"

  /// The field that names this value in errors, in the domain's words (`bilirubin`,
  /// `anti_dsdna`; the command line spells it as its option, `--anti-dsdna`).
  public var field: String { rawValue }

  /// The name used in messages: `bilirubin`, `INR`, `UPCR`, `anti-dsDNA`.
  public var description: String {
    switch self {
    case .inr: "INR"
    case .upcr: "UPCR"
    case .c3: "C3"
    case .c4: "C4"
    case .antiDsDNA: "anti-dsDNA"
    default: rawValue
    }
  }

  /// The unit scores use; a bare number on the command line is taken in this unit.
  public var canonicalUnit: LabUnit {
    switch self {
    case .bilirubin, .creatinine, .c3, .c4: .milligramsPerDeciliter
    case .albumin: .gramsPerDeciliter
    case .sodium: .millimolesPerLiter
    case .inr: .none
    case .upcr: .gramsPerGram
    case .antiDsDNA: .internationalUnitsPerMilliliter
    }
  }

  /// Every unit accepted for this analyte, the canonical one first.
  public var acceptedUnits: [LabUnit] {
    [canonicalUnit] + conversions.map(\.unit)
  }

  /// The plausible range in the canonical unit (see the table on the type); values outside it
  /// are refused as typing errors.
  public var plausibleRange: ClosedRange<Double> {
    switch self {
    case .bilirubin: 0.1...80
    case .creatinine: 0.1...25
    case .albumin: 0.5...7
    case .sodium: 100...180
    case .inr: 0.5...15
    case .upcr: 0...30
    case .c3: 0...500
    case .c4: 0...200
    case .antiDsDNA: 0...10_000
    }
  }

  /// Non-canonical units: canonical = entered × multiply ÷ divide.
  private var conversions: [(unit: LabUnit, multiply: Double, divide: Double)] {
    switch self {
    case .bilirubin: [(.micromolesPerLiter, 1, 17.1)]
    case .creatinine: [(.micromolesPerLiter, 1, 88.4)]
    case .albumin: [(.gramsPerLiter, 1, 10)]
    case .upcr: [(.milligramsPerMillimole, 1, 100), (.milligramsPerGram, 1, 1000)]
    case .c3, .c4: [(.gramsPerLiter, 100, 1)]
    case .sodium: [(.milliequivalentsPerLiter, 1, 1)]
    case .inr, .antiDsDNA: []
    }
  }

  /// Converts a value in an accepted unit to the canonical unit (the one conversion made).
  ///
  /// The quotient is cleared of binary noise below 1e-9 (`51.3 µmol/L` bilirubin is exactly
  /// `3.0 mg/dL`, as on paper); canonical input is returned unchanged. Returns nil for a unit
  /// this analyte does not accept.
  public func canonicalValue(_ entered: Double, unit: LabUnit) -> Double? {
    if unit == canonicalUnit { return entered }
    guard let c = conversions.first(where: { $0.unit == unit }) else { return nil }
    return ClinicalNumber.snap(entered * c.multiply / c.divide)
  }
}
