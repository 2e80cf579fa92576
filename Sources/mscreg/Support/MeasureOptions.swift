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
  @Option(
    name: .customLong("sledai-descriptors"),
    help: ArgumentHelp(
      "SLEDAI-2K descriptors present, comma-separated (\(SLEDAIDescriptor.acceptedCodes)).",
      valueName: "a,b,…"))
  var sledaiDescriptors: String?

  @Option(
    name: .customLong("eular-acr-items"),
    help: ArgumentHelp(
      "2019 EULAR/ACR items present, comma-separated (\(EULARACRItem.acceptedCodes)).",
      valueName: "a,b,…"))
  var eularAcrItems: String?

  @Option(
    name: .customLong("ana-titer"), parsing: .unconditional,
    help: ArgumentHelp("ANA titer denominator, e.g. 160 for 1:160.", valueName: "N"))
  var anaTiter: String?

  @Option(
    name: .customLong("pga"), parsing: .unconditional,
    help: ArgumentHelp("Physician global assessment, 0–3.", valueName: "X"))
  var pga: String?

  @Option(
    name: .customLong("bilag"),
    help: ArgumentHelp(
      "BILAG-2004 grades A–E, e.g. renal=A,mucocutaneous=C.", valueName: "DOMAIN=GRADE,…"))
  var bilag: String?

  @Option(
    name: .customLong("upcr"), parsing: .unconditional,
    help: ArgumentHelp(
      "Urine protein/creatinine ratio: g/g, or with a unit (45mg/mmol, 450mg/g).",
      valueName: "V"))
  var upcr: String?

  @Option(
    name: .customLong("creatinine"), parsing: .unconditional,
    help: ArgumentHelp(
      "Serum creatinine: mg/dL, or µmol/L with a unit (168umol/L).", valueName: "V"))
  var creatinine: String?

  @Option(
    name: .customLong("c3"), parsing: .unconditional,
    help: ArgumentHelp("Complement C3: mg/dL, or g/L with a unit (0.9g/L).", valueName: "V"))
  var c3: String?

  @Option(
    name: .customLong("c4"), parsing: .unconditional,
    help: ArgumentHelp("Complement C4: mg/dL, or g/L with a unit (0.1g/L).", valueName: "V"))
  var c4: String?

  @Option(
    name: .customLong("anti-dsdna"), parsing: .unconditional,
    help: ArgumentHelp("Anti-dsDNA antibodies, IU/mL.", valueName: "V"))
  var antiDsdna: String?

  @Option(
    name: .customLong("bilirubin"), parsing: .unconditional,
    help: ArgumentHelp("Total bilirubin: mg/dL, or µmol/L with a unit (85umol/L).", valueName: "V"))
  var bilirubin: String?

  @Option(
    name: .customLong("inr"), parsing: .unconditional,
    help: ArgumentHelp("INR (no unit), 0.5–15.", valueName: "V"))
  var inr: String?

  @Option(
    name: .customLong("sodium"), parsing: .unconditional,
    help: ArgumentHelp("Serum sodium: mmol/L, or mEq/L with a unit (125mEq/L).", valueName: "V"))
  var sodium: String?

  @Option(
    name: .customLong("albumin"), parsing: .unconditional,
    help: ArgumentHelp("Serum albumin: g/dL, or g/L with a unit (31g/L).", valueName: "V"))
  var albumin: String?

  @Flag(
    name: .customLong("dialysis"),
    help: "Dialysis twice or more (or 24 h of CVVHD) in the past week.")
  var dialysis = false

  @Option(
    name: .customLong("ascites"),
    help: ArgumentHelp("Ascites: \(Ascites.acceptedCodes).", valueName: "GRADE"))
  var ascites: String?

  @Option(
    name: .customLong("encephalopathy"),
    help: ArgumentHelp(
      "Hepatic encephalopathy: \(Encephalopathy.acceptedCodes).", valueName: "GRADE"))
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
