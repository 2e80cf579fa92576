import ArgumentParser
import RegistryDomain

/// The measure options of SPEC §5, spelled the same wherever measures are taken
/// (`patient enroll`, `assess`, `score`).
///
/// Every value is taken as text and validated by the domain (`MeasureSet(parsing:)`), so that
/// a refusal names the option and the rule and exits 65. A bare number is in the canonical
/// unit; a unit suffix converts (`85umol/L`). Nothing score-specific belongs here.
///
/// Numeric options take the next argument whatever it looks like (`parsing: .unconditional`),
/// so that `--creatinine -0.5` reaches the domain and is refused there as a negative value
/// (exit 65, naming the field) instead of being read as an unknown option (exit 64).
struct MeasureOptions: ParsableArguments {
  @Option(name: .customLong("sledai-descriptors"), help: MeasureHelp.sledaiDescriptors)
  var sledaiDescriptors: String?

  @Option(name: .customLong("eular-acr-items"), help: MeasureHelp.eularAcrItems)
  var eularAcrItems: String?

  @Option(name: .customLong("ana-titer"), parsing: .unconditional, help: MeasureHelp.anaTiter)
  var anaTiter: String?

  @Option(name: .customLong("pga"), parsing: .unconditional, help: MeasureHelp.pga)
  var pga: String?

  @Option(name: .customLong("bilag"), help: MeasureHelp.bilag)
  var bilag: String?

  @Option(name: .customLong("upcr"), parsing: .unconditional, help: MeasureHelp.upcr)
  var upcr: String?

  @Option(name: .customLong("creatinine"), parsing: .unconditional, help: MeasureHelp.creatinine)
  var creatinine: String?

  @Option(name: .customLong("c3"), parsing: .unconditional, help: MeasureHelp.c3)
  var c3: String?

  @Option(name: .customLong("c4"), parsing: .unconditional, help: MeasureHelp.c4)
  var c4: String?

  @Option(name: .customLong("anti-dsdna"), parsing: .unconditional, help: MeasureHelp.antiDsdna)
  var antiDsdna: String?

  @Option(name: .customLong("bilirubin"), parsing: .unconditional, help: MeasureHelp.bilirubin)
  var bilirubin: String?

  @Option(name: .customLong("inr"), parsing: .unconditional, help: MeasureHelp.inr)
  var inr: String?

  @Option(name: .customLong("sodium"), parsing: .unconditional, help: MeasureHelp.sodium)
  var sodium: String?

  @Option(name: .customLong("albumin"), parsing: .unconditional, help: MeasureHelp.albumin)
  var albumin: String?

  @Flag(name: .customLong("dialysis"), help: MeasureHelp.dialysis) var dialysis = false

  @Option(name: .customLong("ascites"), help: MeasureHelp.ascites)
  var ascites: String?

  @Option(name: .customLong("encephalopathy"), help: MeasureHelp.encephalopathy)
  var encephalopathy: String?

  /// The options exactly as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures {
    RawMeasures(
      sledaiDescriptors: sledaiDescriptors, eularAcrItems: eularAcrItems, anaTiter: anaTiter,
      pga: pga, bilag: bilag, upcr: upcr, creatinine: creatinine, c3: c3, c4: c4,
      antiDsdna: antiDsdna, bilirubin: bilirubin, inr: inr, sodium: sodium, albumin: albumin,
      ascites: ascites, encephalopathy: encephalopathy, dialysis: dialysis)
  }
}

/// The help of each measure option, shared by `MeasureOptions` and the `score` subcommands'
/// own option groups (which offer only the measures their instrument uses).
enum MeasureHelp {
  /// Help of `--sledai-descriptors`.
  static let sledaiDescriptors = ArgumentHelp(
    "SLEDAI-2K descriptors present, comma-separated (\(SLEDAIDescriptor.acceptedCodes)).",
    valueName: "a,b,…")

  /// Help of `--eular-acr-items`.
  static let eularAcrItems = ArgumentHelp(
    "2019 EULAR/ACR items present, comma-separated (\(EULARACRItem.acceptedCodes)).",
    valueName: "a,b,…")

  /// Help of `--ana-titer`.
  static let anaTiter = ArgumentHelp("ANA titer denominator, e.g. 160 for 1:160.", valueName: "N")

  /// Help of `--pga`.
  static let pga = ArgumentHelp("Physician global assessment, 0–3.", valueName: "X")

  /// Help of `--bilag`.
  static let bilag = ArgumentHelp(
    "BILAG-2004 grades A–E, e.g. renal=A,mucocutaneous=C.", valueName: "DOMAIN=GRADE,…")

  /// Help of `--upcr`.
  static let upcr = ArgumentHelp(
    "Urine protein/creatinine ratio: g/g, or with a unit (45mg/mmol, 450mg/g).",
    valueName: "V")

  /// Help of `--creatinine`.
  static let creatinine = ArgumentHelp(
    "Serum creatinine: mg/dL, or µmol/L with a unit (168umol/L).", valueName: "V")

  /// Help of `--c3`.
  static let c3 = ArgumentHelp("Complement C3: mg/dL, or g/L with a unit (0.9g/L).", valueName: "V")

  /// Help of `--c4`.
  static let c4 = ArgumentHelp("Complement C4: mg/dL, or g/L with a unit (0.1g/L).", valueName: "V")

  /// Help of `--anti-dsdna`.
  static let antiDsdna = ArgumentHelp("Anti-dsDNA antibodies, IU/mL.", valueName: "V")

  /// Help of `--bilirubin`.
  static let bilirubin = ArgumentHelp(
    "Total bilirubin: mg/dL, or µmol/L with a unit (85umol/L).", valueName: "V")

  /// Help of `--inr`.
  static let inr = ArgumentHelp("INR (no unit), 0.5–15.", valueName: "V")

  /// Help of `--sodium`.
  static let sodium = ArgumentHelp(
    "Serum sodium: mmol/L, or mEq/L with a unit (125mEq/L).", valueName: "V")

  /// Help of `--albumin`.
  static let albumin = ArgumentHelp(
    "Serum albumin: g/dL, or g/L with a unit (31g/L).", valueName: "V")

  /// Help of `--ascites`.
  static let ascites = ArgumentHelp("Ascites: \(Ascites.acceptedCodes).", valueName: "GRADE")

  /// Help of `--encephalopathy`.
  static let encephalopathy = ArgumentHelp(
    "Hepatic encephalopathy: \(Encephalopathy.acceptedCodes).", valueName: "GRADE")

  /// Help of `--dialysis`.
  static let dialysis = ArgumentHelp(
    "Dialysis twice or more (or 24 h of CVVHD) in the past week.")
}
