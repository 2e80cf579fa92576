import ArgumentParser
import RegistryDomain

/// The measure options of SPEC §5, spelled the same wherever measures are taken
/// (`patient enroll`, `assess`, `score`).
///
/// Every value is taken as text and validated by the domain (`MeasureSet(parsing:)`), so that
/// a refusal names the option and the rule and exits 65. A bare number is in the canonical
/// unit; a unit suffix converts (`85umol/L`). Nothing score-specific belongs here.
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
    name: .customLong("ana-titer"),
    help: ArgumentHelp("ANA titer denominator, e.g. 160 for 1:160.", valueName: "N"))
  var anaTiter: String?

  @Option(
    name: .customLong("pga"),
    help: ArgumentHelp("Physician global assessment, 0–3.", valueName: "X"))
  var pga: String?

  @Option(
    name: .customLong("bilag"),
    help: ArgumentHelp(
      "BILAG-2004 grades A–E, e.g. renal=A,mucocutaneous=C.", valueName: "DOMAIN=GRADE,…"))
  var bilag: String?

  @Option(
    name: .customLong("upcr"),
    help: ArgumentHelp(
      "Urine protein/creatinine ratio: g/g, or with a unit (45mg/mmol, 450mg/g).",
      valueName: "V"))
  var upcr: String?

  @Option(
    name: .customLong("creatinine"),
    help: ArgumentHelp(
      "Serum creatinine: mg/dL, or µmol/L with a unit (168umol/L).", valueName: "V"))
  var creatinine: String?

  @Option(
    name: .customLong("c3"),
    help: ArgumentHelp("Complement C3: mg/dL, or g/L with a unit (0.9g/L).", valueName: "V"))
  var c3: String?

  @Option(
    name: .customLong("c4"),
    help: ArgumentHelp("Complement C4: mg/dL, or g/L with a unit (0.1g/L).", valueName: "V"))
  var c4: String?

  @Option(
    name: .customLong("anti-dsdna"),
    help: ArgumentHelp("Anti-dsDNA antibodies, IU/mL.", valueName: "V"))
  var antiDsdna: String?

  @Option(
    name: .customLong("bilirubin"),
    help: ArgumentHelp("Total bilirubin: mg/dL, or µmol/L with a unit (85umol/L).", valueName: "V"))
  var bilirubin: String?

  @Option(
    name: .customLong("inr"),
    help: ArgumentHelp("INR (no unit), 0.5–15.", valueName: "V"))
  var inr: String?

  @Option(
    name: .customLong("sodium"),
    help: ArgumentHelp("Serum sodium, mmol/L.", valueName: "V"))
  var sodium: String?

  @Option(
    name: .customLong("albumin"),
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
