import Testing

@testable import RegistryDomain

@Suite struct WilsonIntervalTests {
  /// Reference values from statsmodels 0.15 `proportion_confint(k, n, method="wilson")`.
  @Test(arguments: [
    (18, 36, 0.344743254096268, 0.655256745903732),
    (0, 10, 0.0, 0.277532799862889),
    (10, 10, 0.722467200137111, 1.0),
    (0, 1, 0.0, 0.793450685622763),
    (1, 1, 0.206549314377237, 1.0),
    (3, 7, 0.15821985525147, 0.749541635472343),
    (41, 56, 0.604054440708448, 0.830426945814983),
  ])
  func matchesStatsmodels(k: Int, n: Int, low: Double, high: Double) throws {
    let w = try #require(WilsonInterval(successes: k, trials: n))
    #expect(abs(w.low - low) < 1e-12)
    #expect(abs(w.high - high) < 1e-12)
    #expect(w.estimate == Double(k) / Double(n))
  }

  @Test func specExampleRoundsToFourDecimals() throws {
    // SPEC §6 prints 18/36 as 0.3446–0.6554; the Wilson interval is 0.344743–0.655257, which
    // rounds to 0.3447–0.6553 (the SPEC figures look truncated/rounded differently).
    let w = try #require(WilsonInterval(successes: 18, trials: 36))
    #expect((w.low * 10000).rounded() / 10000 == 0.3447)
    #expect((w.high * 10000).rounded() / 10000 == 0.6553)
    #expect(abs(w.low - 0.3446) < 2e-4 && abs(w.high - 0.6554) < 2e-4)
  }

  @Test func noPatientsOrImpossibleCountsGiveNil() {
    #expect(WilsonInterval(successes: 0, trials: 0) == nil)
    #expect(WilsonInterval(successes: -1, trials: 5) == nil)
    #expect(WilsonInterval(successes: 6, trials: 5) == nil)
  }

  @Test func edgesAreExact() throws {
    for n in 1...200 {
      let none = try #require(WilsonInterval(successes: 0, trials: n))
      let all = try #require(WilsonInterval(successes: n, trials: n))
      #expect(none.low == 0 && none.estimate == 0 && none.high < 1)
      #expect(all.high == 1 && all.estimate == 1 && all.low > 0)
    }
  }

  @Test func propertyContainsEstimateInsideUnitInterval() throws {
    for n in 1...120 {
      for k in 0...n {
        let w = try #require(WilsonInterval(successes: k, trials: n))
        #expect(0 <= w.low && w.low <= w.estimate && w.estimate <= w.high && w.high <= 1)
        // Symmetry: k of n mirrors n − k of n.
        let mirror = try #require(WilsonInterval(successes: n - k, trials: n))
        #expect(abs(w.low - (1 - mirror.high)) < 1e-12)
      }
    }
  }
}
