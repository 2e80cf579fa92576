/// A measure a protocol may name in eligibility criteria or in a `change` endpoint
/// (SPEC §3, §5). The raw value is the protocol file's spelling.
///
/// Age is not a measure: eligibility names it as `age_years`, taken from the patient.
/// Units are the registry's conventional ones (SPEC §2): bilirubin and creatinine mg/dL,
/// albumin g/dL, sodium mmol/L, UPCR g/g; scores are unitless.
public enum Measure: String, Sendable, Hashable, CaseIterable, Codable {
  /// SLEDAI-2K total, 0–105.
  case sledai2K = "sledai_2k"
  /// 2019 EULAR/ACR classification score.
  case eularACR2019 = "eular_acr_2019"
  /// Physician global assessment, 0–3.
  case pga
  /// MELD (OPTN, pre-2016), 6–40.
  case meld
  /// MELD-Na (OPTN 2016), 6–40.
  case meldNa = "meld_na"
  /// MELD 3.0, 6–40.
  case meld3 = "meld_3"
  /// Child-Pugh points, 5–15.
  case childPugh = "child_pugh"
  /// Total bilirubin, mg/dL.
  case bilirubin
  /// Serum creatinine, mg/dL (both conditions: renal function in SLE, MELD in liver failure).
  case creatinine
  /// International normalised ratio.
  case inr
  /// Serum sodium, mmol/L.
  case sodium
  /// Serum albumin, g/dL.
  case albumin
  /// Urine protein/creatinine ratio, g/g.
  case upcr
  /// Complement C3, mg/dL.
  case c3
  /// Complement C4, mg/dL.
  case c4
  /// Anti-dsDNA antibody level (the laboratory's unit, IU/mL).
  case antiDsDNA = "anti_dsdna"

  /// The condition this measure belongs to; nil when it is used by both (creatinine).
  public var condition: Condition? {
    switch self {
    case .sledai2K, .eularACR2019, .pga, .upcr, .c3, .c4, .antiDsDNA: .sle
    case .meld, .meldNa, .meld3, .childPugh, .bilirubin, .inr, .sodium, .albumin: .liverFailure
    case .creatinine: nil
    }
  }

  /// Whether a protocol for `condition` may name this measure.
  public func applies(to condition: Condition) -> Bool {
    self.condition == nil || self.condition == condition
  }
}

extension Measure {
  /// The fields a criterion on this measure needs that `measures` lacks, in SPEC §5 order;
  /// empty when it can be evaluated. Creatinine is not needed with `--dialysis` (MELD, MELD-Na,
  /// MELD 3.0); the ANA titer is not an input here (without it the EULAR/ACR entry criterion
  /// is not met, which is a screen failure, not a missing measure). Sex and age come from the
  /// patient.
  public func missingInputs(in m: MeasureSet) -> [String] {
    let creatinine = m.creatinine != nil || m.dialysis
    let needs: [(String, Bool)]
    switch self {
    case .sledai2K: needs = [(SLEDAI2K.field, m.sledai2k != nil)]
    case .eularACR2019: needs = [(EULARACR2019.field, m.eularAcr2019 != nil)]
    case .pga: needs = [("pga", m.pga != nil)]
    case .meld:
      needs = [
        ("bilirubin", m.bilirubin != nil), ("creatinine", creatinine), ("inr", m.inr != nil),
      ]
    case .meldNa:
      needs = [
        ("bilirubin", m.bilirubin != nil), ("creatinine", creatinine), ("inr", m.inr != nil),
        ("sodium", m.sodium != nil),
      ]
    case .meld3:
      needs = [
        ("bilirubin", m.bilirubin != nil), ("creatinine", creatinine), ("inr", m.inr != nil),
        ("sodium", m.sodium != nil), ("albumin", m.albumin != nil),
      ]
    case .childPugh:
      needs = [
        ("bilirubin", m.bilirubin != nil), ("albumin", m.albumin != nil),
        ("inr", m.inr != nil), (Ascites.field, m.ascites != nil),
        (Encephalopathy.field, m.encephalopathy != nil),
      ]
    default:
      let analyte = Analyte(rawValue: rawValue)!
      needs = [(analyte.field, m.reading(of: analyte) != nil)]
    }
    return needs.filter { !$0.1 }.map(\.0)
  }
}
