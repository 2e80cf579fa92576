import Foundation
import Testing

@testable import RegistryDomain

@Suite struct StudentTTests {
  /// Table values of t(0.975; ν) (the brief's table, scipy `t.ppf(0.975, ν)`).
  @Test(arguments: [
    (1.0, 12.706204736174694),
    (2.0, 4.302652729749462),
    (3.0, 3.1824463052837078),
    (5.0, 2.5705818356363146),
    (10.0, 2.228138851986274),
    (30.0, 2.0422724563012378),
    (100.0, 1.9839715185235518),
    (1000.0, 1.9623390808264083),
    (0.5, 164.55767348048818),
    (2.5, 3.5746548420036817),
  ])
  func quantile975(nu: Double, expected: Double) {
    let t = StudentT.quantile(0.975, degreesOfFreedom: nu)
    #expect(abs(t - expected) / expected < 1e-10, "ν = \(nu): \(t) vs \(expected)")
  }

  @Test func briefTableToEightDigits() {
    let table: [(Double, Double)] = [
      (1, 12.7062047), (2, 4.30265273), (5, 2.57058184), (10, 2.22813885), (30, 2.04227246),
      (100, 1.98397152),
    ]
    for (nu, value) in table {
      #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: nu) - value) < 5e-8)
    }
  }

  @Test func closedFormsForOneAndTwoDegrees() {
    for p in stride(from: 0.001, to: 1.0, by: 0.0371) {
      let cauchy = tan(Double.pi * (p - 0.5))
      #expect(abs(StudentT.quantile(p, degreesOfFreedom: 1) - cauchy) < 1e-9 * max(1, abs(cauchy)))
      let two = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
      #expect(abs(StudentT.quantile(p, degreesOfFreedom: 2) - two) < 1e-9 * max(1, abs(two)))
    }
  }

  @Test func farTailsAndOtherLevels() {
    // scipy: t.ppf(0.995, ν) and t.ppf(1e-10, ν)
    #expect(abs(StudentT.quantile(0.995, degreesOfFreedom: 10) - 3.16927267261695) < 1e-10)
    #expect(abs(StudentT.quantile(1e-10, degreesOfFreedom: 5) + 156.82559270889433) < 1e-7)
    #expect(abs(StudentT.quantile(1e-10, degreesOfFreedom: 30) + 9.377489780407144) < 1e-9)
    #expect(StudentT.quantile(0.5, degreesOfFreedom: 7) == 0)
    #expect(StudentT.quantile(0, degreesOfFreedom: 7).isNaN)
    #expect(StudentT.quantile(0.9, degreesOfFreedom: 0).isNaN)
  }

  @Test func cdfInvertsQuantile() {
    for nu in [1.0, 3, 8, 25, 200] {
      for p in [0.0005, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9999] {
        let t = StudentT.quantile(p, degreesOfFreedom: nu)
        #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - p) < 1e-13)
      }
    }
  }

  @Test func incompleteBetaKnownValues() {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_0.5(a, a) = 0.5.
    #expect(abs(IncompleteBeta.regularized(x: 0.3, a: 1, b: 1) - 0.3) < 1e-14)
    #expect(abs(IncompleteBeta.regularized(x: 0.7, a: 3, b: 1) - 0.343) < 1e-14)
    #expect(abs(IncompleteBeta.regularized(x: 0.5, a: 7.5, b: 7.5) - 0.5) < 1e-14)
    #expect(IncompleteBeta.regularized(x: 0, a: 2, b: 3) == 0)
    #expect(IncompleteBeta.regularized(x: 1, a: 2, b: 3) == 1)
    #expect(IncompleteBeta.regularized(x: 0.5, a: -1, b: 3).isNaN)
  }
}

@Suite struct SampleSummaryTests {
  @Test func meanSDAndTInterval() throws {
    // scipy: mean, std(ddof=1), t.interval(0.95, 6, loc, scale=sd/√n)
    let s = SampleSummary([-3.1, -1.0, -6.5, 0.4, -2.2, -4.8, -3.3])
    #expect(s.n == 7)
    #expect(abs(try #require(s.mean) - -2.9285714285714284) < 1e-13)
    #expect(abs(try #require(s.standardDeviation) - 2.300517540115909) < 1e-13)
    #expect(abs(try #require(s.ciLow) - -5.056195294478713) < 1e-10)
    #expect(abs(try #require(s.ciHigh) - -0.8009475626641436) < 1e-10)
  }

  @Test func smallSamples() {
    let empty = SampleSummary([])
    #expect(
      empty.n == 0 && empty.mean == nil && empty.standardDeviation == nil && empty.ciLow == nil)
    let one = SampleSummary([4.2])
    #expect(one.n == 1 && one.mean == 4.2 && one.standardDeviation == nil && one.ciLow == nil)
    let two = SampleSummary([1, 3])
    // mean 2, sd √2, half-width 12.7062…·√2/√2
    #expect(two.mean == 2)
    #expect(abs((two.ciHigh ?? 0) - (2 + 12.706204736174694)) < 1e-9)
  }

  @Test func constantValuesHaveZeroWidth() {
    let s = SampleSummary(Array(repeating: -3, count: 10))
    #expect(s.standardDeviation == 0 && s.ciLow == -3 && s.ciHigh == -3)
  }

  @Test func intervalContainsMean() {
    var generator = SplitMix64(seed: 7)
    for n in 2...40 {
      let values = (0..<n).map { _ in Double(generator.uniform(below: 2001)) / 100 - 10 }
      let s = SampleSummary(values)
      guard let mean = s.mean, let low = s.ciLow, let high = s.ciHigh else {
        Issue.record("missing values for n = \(n)")
        continue
      }
      #expect(low <= mean && mean <= high)
    }
  }
}
