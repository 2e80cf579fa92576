import Foundation
import Testing

@testable import RegistryDomain

@Suite struct KaplanMeierTests {
  /// Hand-worked example with a tie of events and a censoring on day 2:
  /// day 1 event; day 2 two events and one censoring; day 3 censored; day 4 event;
  /// day 5 censored; day 6 event.
  ///   day 1: n 8, d 1 → S = 7/8,              V = 1/56
  ///   day 2: n 7, d 2 → S = 7/8 · 5/7 = 0.625, V = 1/56 + 2/35 = 0.075
  ///   day 4: n 3, d 1 → S = 0.625 · 2/3,       V = 0.075 + 1/6
  ///   day 6: n 1, d 1 → S = 0 (term with n = d dropped from V)
  /// The censored patient of day 2 is at risk for that day's events (n = 7, not 6).
  static let handExample: [SurvivalObservation] = [
    .init(days: 1, event: true), .init(days: 2, event: true), .init(days: 2, event: true),
    .init(days: 2, event: false), .init(days: 3, event: false), .init(days: 4, event: true),
    .init(days: 5, event: false), .init(days: 6, event: true),
  ]

  /// Freireich et al. 1963, 6-MP arm (the classic Gehan data, Klein & Moeschberger §4.2):
  /// weeks of remission; false = censored.
  static let sixMP: [SurvivalObservation] = zip(
    [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35],
    [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
  ).map { SurvivalObservation(days: $0, event: $1 == 1) }

  @Test func handWorkedSurvivalAndTies() throws {
    let km = try KaplanMeierEstimate(Self.handExample)
    #expect(km.survival(at: 0) == 1)
    #expect(km.survival(at: 0.999) == 1)
    #expect(km.survival(at: 1) == 0.875)
    #expect(abs(try #require(km.survival(at: 2)) - 0.625) < 1e-15)
    #expect(abs(try #require(km.survival(at: 3.5)) - 0.625) < 1e-15)
    #expect(abs(try #require(km.survival(at: 4)) - 0.625 * 2 / 3) < 1e-15)
    #expect(km.survival(at: 6) == 0)
    #expect(km.survival(at: 100) == 0)
    #expect(km.medianSurvival == 4)
  }

  @Test func atRiskCountsTimesOnOrAfter() throws {
    let km = try KaplanMeierEstimate(Self.handExample)
    #expect(km.atRisk(at: 0) == 8)
    #expect(km.atRisk(at: 1) == 8)
    #expect(km.atRisk(at: 2) == 7)
    #expect(km.atRisk(at: 2.5) == 4)
    #expect(km.atRisk(at: 3) == 4)
    #expect(km.atRisk(at: 6) == 1)
    #expect(km.atRisk(at: 6.5) == 0)
    let point = try #require(km.point(at: 2))
    #expect(point.atRisk == 7 && point.events == 2 && point.censored == 1)
    let between = try #require(km.point(at: 2.5))
    #expect(between.atRisk == 4 && between.events == 0 && between.censored == 0)
  }

  @Test func handWorkedIntervals() throws {
    let km = try KaplanMeierEstimate(Self.handExample)
    let z = StandardNormal.z975
    // plain at day 2: 0.625 ± z · 0.625 · √0.075
    let plain = try #require(km.point(at: 2, method: .plain))
    let half = z * 0.625 * 0.075.squareRoot()
    #expect(abs(plain.ciLow - (0.625 - half)) < 1e-14)
    #expect(abs(plain.ciHigh - (0.625 + half)) < 1e-14)
    // loglog at day 1 (lifelines 0.30: 0.387000…, 0.981393…)
    let loglog = try #require(km.point(at: 1))
    let v = 1.0 / 56
    let logS = log(0.875)
    #expect(abs(loglog.ciLow - exp(-exp(log(-logS) - z * v.squareRoot() / logS))) < 1e-15)
    #expect(abs(loglog.ciLow - 0.387000) < 1e-6)
    #expect(abs(loglog.ciHigh - 0.981393) < 1e-6)
    // lifelines at day 4: 0.071967, 0.747326; after S = 0 both bounds 0.
    let day4 = try #require(km.point(at: 4))
    #expect(abs(day4.ciLow - 0.071967) < 1e-6 && abs(day4.ciHigh - 0.747326) < 1e-6)
    let end = try #require(km.point(at: 6))
    #expect(end.ciLow == 0 && end.ciHigh == 0)
    let start = try #require(km.point(at: 0.5, method: .plain))
    #expect(start.survival == 1 && start.ciLow == 1 && start.ciHigh == 1)
  }

  /// 6-MP arm: KM and Greenwood SE as published (Klein & Moeschberger Table 4.1A: 0.857 ±
  /// 0.076, … 0.448 ± 0.135), log-log bounds as lifelines 0.30 and R `survfit(conf.type =
  /// "log-log")` print them, plain bounds S ± z·SE.
  @Test func sixMPAgainstLiterature() throws {
    let km = try KaplanMeierEstimate(Self.sixMP)
    let expected: [(Double, Double, Double, Double, Double, Double)] = [
      // time, S, loglog low, loglog high, plain low, plain high
      (6, 0.857142857143, 0.619717955266, 0.951551747647, 0.70747931, 1.0),
      (7, 0.806722689076, 0.563146564622, 0.922809019203, 0.63633266, 0.97711272),
      (10, 0.752941176471, 0.503199510800, 0.889361835169, 0.56409933, 0.94178303),
      (13, 0.690196078431, 0.431610222486, 0.849065963349, 0.4808431, 0.89954906),
      (16, 0.627450980392, 0.367510855988, 0.804912189472, 0.40390951, 0.85099245),
      (22, 0.537815126050, 0.267778936767, 0.746790717635, 0.28648159, 0.78914866),
      (23, 0.448179271709, 0.188052005959, 0.680142628495, 0.18438486, 0.71197368),
      (35, 0.448179271709, 0.188052005959, 0.680142628495, 0.18438486, 0.71197368),
    ]
    for (t, s, llLow, llHigh, plLow, plHigh) in expected {
      let ll = try #require(km.point(at: t, method: .loglog))
      let pl = try #require(km.point(at: t, method: .plain))
      #expect(abs(ll.survival - s) < 1e-11)
      #expect(abs(ll.ciLow - llLow) < 1e-11 && abs(ll.ciHigh - llHigh) < 1e-11, "t = \(t)")
      #expect(abs(pl.ciLow - plLow) < 1e-8 && abs(pl.ciHigh - plHigh) < 1e-8, "t = \(t)")
    }
    #expect(km.medianSurvival == 23)
    #expect(km.atRisk(at: 23) == 6)
  }

  @Test func curveHasStartAndEveryDistinctTime() throws {
    let km = try KaplanMeierEstimate(Self.handExample)
    let curve = km.curve()
    #expect(curve.map(\.time) == [0, 1, 2, 3, 4, 5, 6])
    #expect(curve.map(\.atRisk) == [8, 8, 7, 4, 3, 2, 1])
    #expect(curve[0].survival == 1 && curve[0].ciLow == 1)
    #expect(curve.map(\.events) == [0, 1, 2, 0, 1, 0, 1])
    // An observation at time 0 replaces the synthetic start point.
    let atZero = try KaplanMeierEstimate([
      .init(days: 0, event: true), .init(days: 3, event: false),
    ])
    #expect(atZero.curve().map(\.time) == [0, 3])
    #expect(atZero.curve()[0].survival == 0.5)
  }

  @Test func emptyAndInvalidInput() throws {
    let empty = try KaplanMeierEstimate([])
    #expect(empty.point(at: 10) == nil && empty.survival(at: 10) == nil)
    #expect(empty.curve().isEmpty && empty.medianSurvival == nil && empty.atRisk(at: 0) == 0)
    #expect(throws: RegistryError.self) { try KaplanMeierEstimate([.init(days: -1, event: true)]) }
    #expect(throws: RegistryError.self) {
      try KaplanMeierEstimate([.init(time: .nan, event: false)])
    }
  }

  @Test func medianNotReachedAndExactHalf() throws {
    let censoredOnly = try KaplanMeierEstimate((1...5).map { .init(days: $0, event: false) })
    #expect(censoredOnly.medianSurvival == nil)
    #expect(censoredOnly.survival(at: 10) == 1)
    // S = 3/4 · 2/3 = 0.5 exactly on day 2 → median 2 (lifelines convention S ≤ 0.5).
    let half = try KaplanMeierEstimate([
      .init(days: 1, event: true), .init(days: 2, event: true), .init(days: 3, event: false),
      .init(days: 4, event: false),
    ])
    #expect(half.medianSurvival == 2)
  }

  /// Properties over seeded random data: S non-increasing in [0, 1], both intervals inside
  /// [0, 1] and containing S, loglog interval never wider than [0, 1] at S in (0, 1).
  @Test func propertiesOnRandomData() throws {
    var generator = SplitMix64(seed: 20_261_120)
    for _ in 0..<200 {
      let n = Int(generator.uniform(below: 60)) + 1
      let observations = (0..<n).map { _ in
        SurvivalObservation(
          days: Int(generator.uniform(below: 400)), event: generator.uniform(below: 3) > 0)
      }
      let km = try KaplanMeierEstimate(observations)
      var previous = 1.0
      for method in SurvivalCIMethod.allCases {
        for point in km.curve(method: method) {
          #expect(point.survival <= previous + 1e-15)
          previous = point.survival
          #expect(0 <= point.ciLow && point.ciLow <= point.survival + 1e-15)
          #expect(point.survival <= point.ciHigh + 1e-15 && point.ciHigh <= 1)
          #expect(point.atRisk == km.atRisk(at: point.time))
        }
        previous = 1
      }
      for day in stride(from: 0.0, through: 420, by: 7) {
        let point = try #require(km.point(at: day))
        #expect(point.survival == km.survival(at: day))
        #expect(point.atRisk == observations.filter { $0.time >= day }.count)
      }
    }
  }
}
