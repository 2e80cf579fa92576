/// The instruments of the bedside score calculator (SPEC §5): `mscreg score NAME` and
/// `POST /scores/NAME`.
public enum ScoreInstrument: String, CaseIterable, Sendable {
  case sledai2k
  case eularAcr = "eular-acr"
  case meld
  case meldNa = "meld-na"
  case meld3
  case childPugh = "child-pugh"

  /// The measures the instrument takes, as the domain names its fields (`sex` and `age` for
  /// MELD 3.0 included); any other measure is not the instrument's.
  public var measures: [String] {
    switch self {
    case .sledai2k: ["sledai_descriptors"]
    case .eularAcr: ["eular_acr_items", "ana_titer"]
    case .meld: ["creatinine", "bilirubin", "inr", "dialysis"]
    case .meldNa: ["creatinine", "bilirubin", "inr", "dialysis", "sodium"]
    case .meld3: ["sex", "age", "creatinine", "bilirubin", "inr", "dialysis", "sodium", "albumin"]
    case .childPugh: ["bilirubin", "albumin", "inr", "ascites", "encephalopathy"]
    }
  }

  /// The instrument named `text`; `.notFound` naming the known ones otherwise.
  public static func named(_ text: String, field: String = "instrument") throws -> ScoreInstrument {
    guard let instrument = ScoreInstrument(rawValue: text) else {
      throw RegistryError.notFound(
        field,
        "no score \(text.prefix(40)) (one of \(allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return instrument
  }
}

/// What `mscreg score … --format json` prints and `POST /scores/{instrument}` answers (SPEC
/// §7): the instrument code, the score, its parts by name, the lab inputs (left out when the
/// instrument has none), the source and the score engine version; `eular-acr` adds
/// `classified` and the counted `items`, `child-pugh` adds `class`.
///
/// Each input carries its unit: `{"value": 4.970760234, "unit": "mg/dL", "entered": {"value":
/// 85, "unit": "µmol/L"}}` — `value`/`unit` in the canonical unit the score used, `entered`
/// as typed (the same as `value`/`unit` for a bare number). INR's unit is "".
public struct ScoreReport: Encodable, Sendable {
  /// The instrument's code (`meld`, `sledai2k` …).
  public var instrument: String
  /// The score.
  public var score: Int
  /// Its parts by name.
  public var parts: [String: JSONValue]
  /// The lab inputs by analyte (nil when the instrument has none).
  public var inputs: [String: JSONValue]?
  /// The published source.
  public var source: String
  /// `ScoreEngine.version`.
  public var engineVersion: String
  /// EULAR/ACR: whether the patient is classified as SLE.
  public var classified: Bool?
  /// EULAR/ACR: the items counted.
  public var items: [String]?
  /// Child-Pugh: the class.
  public var scoreClass: String?

  enum CodingKeys: String, CodingKey {
    case instrument, score, parts, inputs, source, classified, items
    case engineVersion = "engine_version"
    case scoreClass = "class"
  }
}

/// One computed score, with what a text rendering prints and the JSON report.
public struct ScoreResult: Sendable {
  /// The instrument's title (`MELD`, `SLEDAI-2K`).
  public let title: String
  /// The text after the score on the first line (`class B`, `classified as SLE`).
  public let verdict: String?
  /// The lab inputs used.
  public let readings: [LabReading]
  /// The parts of the score, in order.
  public let parts: [ScorePart]
  /// The published source.
  public let source: String
  /// The JSON report.
  public let report: ScoreReport
}

/// The bedside calculator, shared by the CLI and the HTTP service: measures as typed in, one
/// score out (no database).
public enum ScoreCalculator {
  /// Scores `measures` (and `sex`, `age` for MELD 3.0) with `instrument`. A missing input or
  /// an implausible value is `.refused` naming the measure (`creatinine`).
  public static func compute(
    _ instrument: ScoreInstrument, measures raw: RawMeasures, sex: String? = nil,
    age: String? = nil
  ) throws -> ScoreResult {
    let set = try MeasureSet(parsing: raw)
    switch instrument {
    case .sledai2k:
      return result(try set.sledai2kScore(), inputs: [])
    case .eularAcr:
      let eular = try set.eularAcr2019Score()
      return result(
        eular, inputs: [],
        verdict: eular.classificationFailure().map { "not classified as SLE (\($0))" }
          ?? "classified as SLE"
      ) { report in
        report.classified = eular.classified
        report.items = eular.counted.map(\.rawValue)
      }
    case .meld:
      return result(
        try set.meldScore(),
        inputs: [set.bilirubin?.reading, set.creatinine?.reading, set.inr?.reading])
    case .meldNa:
      return result(
        try set.meldNaScore(),
        inputs: [
          set.bilirubin?.reading, set.creatinine?.reading, set.inr?.reading,
          set.sodium?.reading,
        ])
    case .meld3:
      let sex = try sex.map { try Sex.parse($0, field: Sex.field) }
      let age = try MeasureSet.parseAge(age)
      return result(
        try set.meld3Score(sex: sex, age: age),
        inputs: [
          set.bilirubin?.reading, set.creatinine?.reading, set.inr?.reading,
          set.sodium?.reading, set.albumin?.reading,
        ])
    case .childPugh:
      let childPugh = try set.childPughScore()
      return result(
        childPugh,
        inputs: [set.bilirubin?.reading, set.albumin?.reading, set.inr?.reading],
        verdict: "class \(childPugh.classification)"
      ) { report in
        report.scoreClass = childPugh.classification.rawValue
      }
    }
  }

  /// One input with its unit (see `ScoreReport`).
  public static func inputJSON(_ reading: LabReading) -> JSONValue {
    .object([
      "value": .number(reading.canonical),
      "unit": .string(reading.analyte.canonicalUnit.rawValue),
      "entered": .object([
        "value": .number(reading.entered), "unit": .string(reading.enteredUnit.rawValue),
      ]),
    ])
  }

  static func result<S: CitedScore>(
    _ score: S, inputs: [LabReading?], verdict: String? = nil,
    extra: (inout ScoreReport) -> Void = { _ in }
  ) -> ScoreResult {
    let readings = inputs.compactMap { $0 }
    var report = ScoreReport(
      instrument: S.instrument, score: score.score,
      parts: Dictionary(
        score.parts.map { ($0.name, JSONValue.number($0.reportedValue)) },
        uniquingKeysWith: { a, _ in a }),
      inputs: readings.isEmpty
        ? nil
        : Dictionary(
          readings.map { ($0.analyte.rawValue, inputJSON($0)) }, uniquingKeysWith: { a, _ in a }),
      source: S.source, engineVersion: ScoreEngine.version)
    extra(&report)
    return ScoreResult(
      title: S.title, verdict: verdict, readings: readings, parts: score.parts, source: S.source,
      report: report)
  }
}
