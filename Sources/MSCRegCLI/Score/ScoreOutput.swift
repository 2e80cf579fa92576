import Foundation
import RegistryDomain

/// Prints one score as text or JSON (the shared output of the `score` subcommands); the
/// score itself comes from `ScoreCalculator`, as for `POST /scores/{instrument}`.
enum ScoreOutput {
  /// Computes `instrument` over the measures as typed and prints it: JSON is `ScoreReport`
  /// (SPEC §7); text is the score with its verdict, the lab inputs used, the parts, the
  /// source and the engine version.
  static func print(
    _ instrument: ScoreInstrument, _ raw: RawMeasures, sex: String? = nil, age: String? = nil,
    format: TextOrJSON
  ) throws {
    let result = try ScoreCalculator.compute(instrument, measures: raw, sex: sex, age: age)
    if format == .json { return try Output.json(result.report) }
    MSCRegCLI.print(
      "\(result.title) \(result.report.score)" + (result.verdict.map { ": \($0)" } ?? ""))
    if !result.readings.isEmpty {
      MSCRegCLI.print(
        "inputs: " + result.readings.map { "\($0.analyte) \($0)" }.joined(separator: ", "))
    }
    let width = result.parts.map(\.name.count).max() ?? 0
    for part in result.parts {
      MSCRegCLI.print(
        "  " + part.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
          + part.formattedValue)
    }
    MSCRegCLI.print("source: \(result.source)")
    MSCRegCLI.print("engine: \(ScoreEngine.version)")
  }
}
