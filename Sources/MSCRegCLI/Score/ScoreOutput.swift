import Foundation
import RegistryDomain

/// What `mscreg score … --format json` prints (SPEC §7): the instrument code, the score, its
/// parts by name, the lab inputs (left out when the instrument has none), the source and the
/// score engine version; `eular-acr` adds `classified` and the counted `items`, `child-pugh`
/// adds `class`.
///
/// Each input carries its unit: `{"value": 4.970760234, "unit": "mg/dL", "entered": {"value":
/// 85, "unit": "µmol/L"}}` — `value`/`unit` in the canonical unit the score used, `entered`
/// as typed (the same as `value`/`unit` for a bare number). INR's unit is "".
struct ScoreReport: Encodable {
  var instrument: String
  var score: Int
  var parts: [String: JSONValue]
  var inputs: [String: JSONValue]?
  var source: String
  var engineVersion: String
  var classified: Bool?
  var items: [String]?
  var scoreClass: String?

  enum CodingKeys: String, CodingKey {
    case instrument, score, parts, inputs, source, classified, items
    case engineVersion = "engine_version"
    case scoreClass = "class"
  }
}

/// Prints one score as text or JSON (the shared output of the `score` subcommands).
enum ScoreOutput {
  /// Prints `score` with its parts, the lab inputs used (nil: not measured), the source and the
  /// engine version.
  ///
  /// - Parameters:
  ///   - verdict: the text after the score on the first line (`class B`, `classified as SLE`).
  ///   - extra: fills the instrument-specific JSON fields.
  /// One input with its unit (see `ScoreReport`).
  static func inputJSON(_ reading: LabReading) -> JSONValue {
    .object([
      "value": .number(reading.canonical),
      "unit": .string(reading.analyte.canonicalUnit.rawValue),
      "entered": .object([
        "value": .number(reading.entered), "unit": .string(reading.enteredUnit.rawValue),
      ]),
    ])
  }

  static func print<S: CitedScore>(
    _ score: S, inputs: [LabReading?], format: TextOrJSON, verdict: String? = nil,
    extra: (inout ScoreReport) -> Void = { _ in }
  ) throws {
    let readings = inputs.compactMap { $0 }
    if format == .json {
      var report = ScoreReport(
        instrument: S.instrument, score: score.score,
        parts: Dictionary(
          score.parts.map { ($0.name, JSONValue.number($0.reportedValue)) },
          uniquingKeysWith: { a, _ in a }),
        inputs: readings.isEmpty
          ? nil
          : Dictionary(
            readings.map { ($0.analyte.rawValue, inputJSON($0)) },
            uniquingKeysWith: { a, _ in a }),
        source: S.source, engineVersion: ScoreEngine.version)
      extra(&report)
      return try Output.json(report)
    }
    MSCRegCLI.print("\(S.title) \(score.score)" + (verdict.map { ": \($0)" } ?? ""))
    if !readings.isEmpty {
      MSCRegCLI.print(
        "inputs: " + readings.map { "\($0.analyte) \($0)" }.joined(separator: ", "))
    }
    let width = score.parts.map(\.name.count).max() ?? 0
    for part in score.parts {
      MSCRegCLI.print(
        "  " + part.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
          + part.formattedValue)
    }
    MSCRegCLI.print("source: \(S.source)")
    MSCRegCLI.print("engine: \(ScoreEngine.version)")
  }
}
