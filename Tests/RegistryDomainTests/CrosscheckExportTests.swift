import Foundation
import Testing

@testable import RegistryDomain

/// Writes seeded test data and this module's results to the JSON file named by the environment
/// variable `MSCREG_CROSSCHECK_OUT`, for `scripts/crosscheck_stats.py` to compare against
/// lifelines, statsmodels and scipy (run both with `scripts/crosscheck-stats`).
///
/// Without the variable the test does nothing, so ordinary test runs stay offline and fast.
@Suite struct CrosscheckExport {
  struct KMPoint: Codable {
    var t: Double
    var s: Double
    var lo: Double
    var hi: Double
    var atRisk: Int
  }
  struct KMCase: Codable {
    var times: [Double]
    var events: [Bool]
    var horizons: [Double]
    var loglog: [KMPoint]
    var plain: [KMPoint]
    var median: Double?
    var medianLoglogLow: Double?
    var medianLoglogHigh: Double?
    var medianPlainLow: Double?
    var medianPlainHigh: Double?
  }
  struct ComparisonCase: Codable {
    var times: [Double]
    var events: [Bool]
    var treated: [Bool]
    var logrankChi2: Double?
    var logrankP: Double?
    var coxCoef: Double?
    var coxSe: Double?
    var hazardRatio: Double?
    var hrLow: Double?
    var hrHigh: Double?
    var coxP: Double?
  }
  struct WilsonCase: Codable {
    var k: Int
    var n: Int
    var lo: Double
    var hi: Double
  }
  struct TCase: Codable {
    var p: Double
    var df: Double
    var q: Double
  }
  struct SummaryCase: Codable {
    var values: [Double]
    var mean: Double
    var sd: Double
    var lo: Double
    var hi: Double
  }
  struct RandomizerCase: Codable {
    var arms: [String]
    var ratios: [Int]
    var blockSizes: [Int]
    var seed: UInt64
    var stratum: String
    var sequence: [String]
  }
  struct Export: Codable {
    var km: [KMCase]
    var wilson: [WilsonCase]
    var t: [TCase]
    var summary: [SummaryCase]
    var randomizer: [RandomizerCase]
    var comparison: [ComparisonCase]
  }

  @Test func exportWhenRequested() throws {
    guard let path = ProcessInfo.processInfo.environment["MSCREG_CROSSCHECK_OUT"], !path.isEmpty
    else { return }
    var g = SplitMix64(seed: 20_261_121)
    func unit() -> Double { Double(g.next() >> 11) / Double(1 << 53) }

    var km: [KMCase] = []
    for caseIndex in 0..<400 {
      let n = 1 + Int(g.uniform(below: caseIndex < 300 ? 60 : 400))
      let eventRate = unit()
      let fractional = caseIndex % 5 == 4
      let span = [30.0, 120, 400, 800][Int(g.uniform(below: 4))]
      var times: [Double] = []
      var events: [Bool] = []
      for _ in 0..<n {
        let raw = unit() * span
        times.append(fractional ? (raw * 8).rounded() / 8 : raw.rounded(.down))
        events.append(unit() < eventRate)
      }
      var horizons: [Double] = [0, 1, 28, 84, 168, 336, 364, 1000]
      for _ in 0..<3 { horizons.append(times[Int(g.uniform(below: UInt64(n)))]) }
      let estimate = try KaplanMeierEstimate(
        zip(times, events).map { SurvivalObservation(time: $0, event: $1) })
      func points(_ method: SurvivalCIMethod) -> [KMPoint] {
        estimate.points(at: horizons, method: method).map {
          KMPoint(t: $0.time, s: $0.survival, lo: $0.ciLow, hi: $0.ciHigh, atRisk: $0.atRisk)
        }
      }
      let loglogMedian = estimate.medianInterval(method: .loglog)
      let plainMedian = estimate.medianInterval(method: .plain)
      km.append(
        KMCase(
          times: times, events: events, horizons: horizons, loglog: points(.loglog),
          plain: points(.plain), median: estimate.medianSurvival,
          medianLoglogLow: loglogMedian.low, medianLoglogHigh: loglogMedian.high,
          medianPlainLow: plainMedian.low, medianPlainHigh: plainMedian.high))
    }

    var wilson: [WilsonCase] = []
    for n in 1...150 {
      for k in 0...n {
        let w = try #require(WilsonInterval(successes: k, trials: n))
        wilson.append(WilsonCase(k: k, n: n, lo: w.low, hi: w.high))
      }
    }
    for n in [500, 1000, 12345, 1_000_000] {
      for k in [0, 1, n / 3, n / 2, n - 1, n] {
        let w = try #require(WilsonInterval(successes: k, trials: n))
        wilson.append(WilsonCase(k: k, n: n, lo: w.low, hi: w.high))
      }
    }

    var t: [TCase] = []
    let dfs: [Double] = Array(1...200).map(Double.init) + [0.5, 1.5, 2.5, 250, 500, 1000, 5000]
    for df in dfs {
      for p in [0.975, 0.995, 0.9, 0.6, 0.025, 1e-6] {
        t.append(TCase(p: p, df: df, q: StudentT.quantile(p, degreesOfFreedom: df)))
      }
    }

    var summary: [SummaryCase] = []
    for _ in 0..<200 {
      let n = 2 + Int(g.uniform(below: 80))
      let centre = unit() * 20 - 10
      let values = (0..<n).map { _ in centre + (unit() - 0.5) * 12 }
      let s = SampleSummary(values)
      summary.append(
        SummaryCase(
          values: values, mean: try #require(s.mean), sd: try #require(s.standardDeviation),
          lo: try #require(s.ciLow), hi: try #require(s.ciHigh)))
    }

    var randomizer: [RandomizerCase] = []
    let designs: [([String], [Int], [Int])] = [
      (["msc", "control"], [1, 1], [4]),
      (["msc", "smt"], [1, 1], [2, 4, 6]),
      (["msc", "control"], [2, 1], [3, 6, 9]),
      (["low", "high", "control"], [1, 1, 1], [3, 6]),
    ]
    for (armCodes, ratios, blockSizes) in designs {
      for seed: UInt64 in [0, 1, 20_261_120, UInt64.max] {
        for stratum in ["PAN", "TOK", "*", "Zürich"] {
          let arms = zip(armCodes, ratios).map {
            ProtocolArm(code: $0, ratio: $1, receivesMSC: $0 != "control")
          }
          let r = try #require(BlockRandomizer(arms: arms, blockSizes: blockSizes, seed: seed))
          randomizer.append(
            RandomizerCase(
              arms: armCodes, ratios: ratios, blockSizes: blockSizes, seed: seed, stratum: stratum,
              sequence: r.sequence(stratum: stratum, count: 60).map(\.code)))
        }
      }
    }

    // Two-arm comparisons: whole days (many ties), censoring, unequal arms, differing hazards.
    var comparison: [ComparisonCase] = []
    for caseIndex in 0..<300 {
      let n = 2 + Int(g.uniform(below: caseIndex < 200 ? 60 : 300))
      let censoring = unit() * 0.7
      let hazardRatio = [0.3, 0.6, 1.0, 1.5, 3.0][Int(g.uniform(below: 5))]
      let span = [30.0, 120, 400][Int(g.uniform(below: 3))]
      var times: [Double] = []
      var events: [Bool] = []
      var treated: [Bool] = []
      for i in 0..<n {
        let arm = i == 0 ? true : i == 1 ? false : unit() < 0.5
        let scale = arm ? 1 / hazardRatio : 1
        let raw = -log(1 - unit()) * span / 3 * scale
        times.append(min(raw, span).rounded(.down))
        events.append(raw < span && unit() >= censoring)
        treated.append(arm)
      }
      let observations = (0..<n).map {
        SurvivalComparisonObservation(time: times[$0], event: events[$0], treated: treated[$0])
      }
      let logRank = LogRankTest(observations)
      let cox = CoxProportionalHazards(observations)
      comparison.append(
        ComparisonCase(
          times: times, events: events, treated: treated, logrankChi2: logRank?.chiSquare,
          logrankP: logRank?.p, coxCoef: cox?.coefficient, coxSe: cox?.standardError,
          hazardRatio: cox?.hazardRatio, hrLow: cox?.ciLow, hrHigh: cox?.ciHigh, coxP: cox?.p))
    }

    let export = Export(
      km: km, wilson: wilson, t: t, summary: summary, randomizer: randomizer,
      comparison: comparison)
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    // Atomically: `make test` starts the cross-check as soon as the file appears.
    try encoder.encode(export).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
