/// The measure options of SPEC §5 exactly as typed on the command line (or read from a file).
///
/// Every value is the text the user gave, unparsed, so that the domain validates it and names
/// the option in a refusal (`MeasureSet(parsing:)`). nil means the option was not given; an
/// empty string was given and is validated like any other text. The same set is taken by
/// `patient enroll`, `assess` and `score`.
public struct RawMeasures: Sendable, Hashable {
  /// `--sledai-descriptors a,b,…`: SLEDAI-2K descriptor codes (SPEC §7).
  public var sledaiDescriptors: String?
  /// `--eular-acr-items a,b,…`: 2019 EULAR/ACR item codes (SPEC §7).
  public var eularAcrItems: String?
  /// `--ana-titer N`: ANA titer denominator (160 for 1:160; `1:160` is accepted too).
  public var anaTiter: String?
  /// `--pga X`: physician global assessment, 0–3.
  public var pga: String?
  /// `--bilag DOMAIN=GRADE,…`: BILAG-2004 grades.
  public var bilag: String?
  /// `--upcr V`: urine protein/creatinine ratio (g/g; mg/mmol, mg/g accepted).
  public var upcr: String?
  /// `--creatinine V`: serum creatinine (mg/dL; µmol/L accepted).
  public var creatinine: String?
  /// `--c3 V`: complement C3 (mg/dL; g/L accepted).
  public var c3: String?
  /// `--c4 V`: complement C4 (mg/dL; g/L accepted).
  public var c4: String?
  /// `--anti-dsdna V`: anti-dsDNA antibodies (IU/mL).
  public var antiDsdna: String?
  /// `--bilirubin V`: total bilirubin (mg/dL; µmol/L accepted).
  public var bilirubin: String?
  /// `--inr V`: INR (no unit).
  public var inr: String?
  /// `--sodium V`: serum sodium (mmol/L).
  public var sodium: String?
  /// `--albumin V`: serum albumin (g/dL; g/L accepted).
  public var albumin: String?
  /// `--ascites none|mild|moderate_severe`.
  public var ascites: String?
  /// `--encephalopathy none|grade1_2|grade3_4`.
  public var encephalopathy: String?
  /// `--dialysis`: dialysis twice or more (or 24 h of CVVHD) in the past week.
  public var dialysis: Bool

  /// Creates a set of typed options; every option defaults to "not given".
  public init(
    sledaiDescriptors: String? = nil, eularAcrItems: String? = nil, anaTiter: String? = nil,
    pga: String? = nil, bilag: String? = nil, upcr: String? = nil, creatinine: String? = nil,
    c3: String? = nil, c4: String? = nil, antiDsdna: String? = nil, bilirubin: String? = nil,
    inr: String? = nil, sodium: String? = nil, albumin: String? = nil, ascites: String? = nil,
    encephalopathy: String? = nil, dialysis: Bool = false
  ) {
    self.sledaiDescriptors = sledaiDescriptors
    self.eularAcrItems = eularAcrItems
    self.anaTiter = anaTiter
    self.pga = pga
    self.bilag = bilag
    self.upcr = upcr
    self.creatinine = creatinine
    self.c3 = c3
    self.c4 = c4
    self.antiDsdna = antiDsdna
    self.bilirubin = bilirubin
    self.inr = inr
    self.sodium = sodium
    self.albumin = albumin
    self.ascites = ascites
    self.encephalopathy = encephalopathy
    self.dialysis = dialysis
  }

  /// True when no measure option was given (no text and no `--dialysis`).
  public var isEmpty: Bool {
    let texts: [String?] = [
      sledaiDescriptors, eularAcrItems, anaTiter, pga, bilag, upcr, creatinine, c3, c4, antiDsdna,
      bilirubin, inr, sodium, albumin, ascites, encephalopathy,
    ]
    return !dialysis && texts.allSatisfy { $0 == nil }
  }
}
