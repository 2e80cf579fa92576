import ArgumentParser
import RegistryDomain

// The measure options of each `score` subcommand: only the measures its instrument uses, so
// that `score meld --help` lists creatinine, bilirubin, INR and dialysis and nothing else.
// Spellings, units and help are those of `MeasureOptions` (`MeasureHelp`).

/// Measures of SLEDAI-2K.
struct SLEDAI2KMeasures: ParsableArguments {
  @Option(name: .customLong("sledai-descriptors"), help: MeasureHelp.sledaiDescriptors)
  var sledaiDescriptors: String?

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures { RawMeasures(sledaiDescriptors: sledaiDescriptors) }
}

/// Measures of the 2019 EULAR/ACR classification.
struct EULARACRMeasures: ParsableArguments {
  @Option(name: .customLong("eular-acr-items"), help: MeasureHelp.eularAcrItems)
  var eularAcrItems: String?
  @Option(name: .customLong("ana-titer"), parsing: .unconditional, help: MeasureHelp.anaTiter)
  var anaTiter: String?

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures { RawMeasures(eularAcrItems: eularAcrItems, anaTiter: anaTiter) }
}

/// Measures of MELD (creatinine, bilirubin, INR, dialysis).
struct MELDMeasures: ParsableArguments {
  @Option(name: .customLong("creatinine"), parsing: .unconditional, help: MeasureHelp.creatinine)
  var creatinine: String?
  @Option(name: .customLong("bilirubin"), parsing: .unconditional, help: MeasureHelp.bilirubin)
  var bilirubin: String?
  @Option(name: .customLong("inr"), parsing: .unconditional, help: MeasureHelp.inr) var inr: String?
  @Flag(name: .customLong("dialysis"), help: MeasureHelp.dialysis) var dialysis = false

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures {
    RawMeasures(creatinine: creatinine, bilirubin: bilirubin, inr: inr, dialysis: dialysis)
  }
}

/// Measures of MELD-Na (MELD's and sodium).
struct MELDNaMeasures: ParsableArguments {
  @OptionGroup var meld: MELDMeasures
  @Option(name: .customLong("sodium"), parsing: .unconditional, help: MeasureHelp.sodium)
  var sodium: String?

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures {
    var raw = meld.raw
    raw.sodium = sodium
    return raw
  }
}

/// Measures of MELD 3.0 (MELD's, sodium and albumin).
struct MELD3Measures: ParsableArguments {
  @OptionGroup var meld: MELDMeasures
  @Option(name: .customLong("sodium"), parsing: .unconditional, help: MeasureHelp.sodium)
  var sodium: String?
  @Option(name: .customLong("albumin"), parsing: .unconditional, help: MeasureHelp.albumin)
  var albumin: String?

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures {
    var raw = meld.raw
    raw.sodium = sodium
    raw.albumin = albumin
    return raw
  }
}

/// Measures of Child-Pugh (bilirubin, albumin, INR, ascites, encephalopathy).
struct ChildPughMeasures: ParsableArguments {
  @Option(name: .customLong("bilirubin"), parsing: .unconditional, help: MeasureHelp.bilirubin)
  var bilirubin: String?
  @Option(name: .customLong("albumin"), parsing: .unconditional, help: MeasureHelp.albumin)
  var albumin: String?
  @Option(name: .customLong("inr"), parsing: .unconditional, help: MeasureHelp.inr) var inr: String?
  @Option(name: .customLong("ascites"), help: MeasureHelp.ascites) var ascites: String?
  @Option(name: .customLong("encephalopathy"), help: MeasureHelp.encephalopathy)
  var encephalopathy: String?

  /// The options as typed, for `MeasureSet(parsing:)`.
  var raw: RawMeasures {
    RawMeasures(
      bilirubin: bilirubin, inr: inr, albumin: albumin, ascites: ascites,
      encephalopathy: encephalopathy)
  }
}
