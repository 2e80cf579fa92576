import Foundation
import Testing

@testable import RegistryDomain

/// Log-rank, Cox (Efron) and the Kaplan–Meier median CI and estimability on a small data set
/// with ties and censoring. Reference values from lifelines 0.30.3 (`logrank_test`,
/// `CoxPHFitter` run to convergence, `median_survival_times(kmf.confidence_interval_)`);
/// `scripts/crosscheck-stats` compares hundreds of seeded data sets the same way.
@Suite struct SurvivalComparisonTests {
  static let msc: [(Double, Bool)] = [
    (5, true), (8, true), (8, false), (12, true), (15, false), (20, true), (20, true), (25, false),
  ]
  static let control: [(Double, Bool)] = [
    (3, true), (5, true), (5, true), (7, false), (9, true), (12, true), (14, true), (18, false),
  ]
  static var observations: [SurvivalComparisonObservation] {
    msc.map { .init(time: $0.0, event: $0.1, treated: true) }
      + control.map { .init(time: $0.0, event: $0.1, treated: false) }
  }

  @Test func logRankAgreesWithLifelines() throws {
    let t = try #require(LogRankTest(Self.observations))
    #expect(abs(t.chiSquare - 2.4483193667777003) < 1e-9)
    #expect(abs(t.p - 0.11765077403698733) < 1e-9)
    #expect(t.degreesOfFreedom == 1)
    #expect(t.observedTreated == 5)
  }

  @Test func coxEfronAgreesWithLifelines() throws {
    let cox = try #require(CoxProportionalHazards(Self.observations))
    #expect(abs(cox.coefficient - -1.0524473165675592) < 1e-9)
    #expect(abs(cox.standardError - 0.7111485432349252) < 1e-9)
    #expect(abs(cox.hazardRatio - 0.3490823877570699) < 1e-9)
    #expect(abs(cox.ciLow - 0.08661581585522087) < 1e-9)
    #expect(abs(cox.ciHigh - 1.4068852465220085) < 1e-9)
    #expect(abs(cox.p - 0.1388929595535012) < 1e-9)
  }

  @Test func noComparisonWithoutBothArmsOrWithoutAFiniteEstimate() {
    let treatedOnly = Self.observations.filter(\.treated)
    #expect(LogRankTest(treatedOnly) == nil)
    #expect(CoxProportionalHazards(treatedOnly) == nil)
    let noEvents = Self.observations.map {
      SurvivalComparisonObservation(time: $0.observation.time, event: false, treated: $0.treated)
    }
    #expect(LogRankTest(noEvents) == nil)
    // Events only in control: the log-rank test exists, the hazard ratio goes to 0.
    let controlEventsOnly = Self.observations.map {
      SurvivalComparisonObservation(
        time: $0.observation.time, event: $0.observation.event && !$0.treated, treated: $0.treated)
    }
    #expect(LogRankTest(controlEventsOnly) != nil)
    #expect(CoxProportionalHazards(controlEventsOnly) == nil)
    // Every MSC event while no control patient is at risk: monotone likelihood.
    let separated: [SurvivalComparisonObservation] = [
      .init(time: 1, event: true, treated: false), .init(time: 2, event: false, treated: false),
      .init(time: 3, event: true, treated: true), .init(time: 4, event: false, treated: true),
    ]
    #expect(CoxProportionalHazards(separated) == nil)
    // One more control patient at risk at day 3 gives a finite estimate.
    #expect(
      CoxProportionalHazards(separated + [.init(time: 5, event: false, treated: false)]) != nil)
  }

  @Test func medianAndItsIntervalAsLifelines() throws {
    let control = try KaplanMeierEstimate(Self.control.map { .init(time: $0.0, event: $0.1) })
    #expect(control.medianSurvival == 9)
    let c = control.medianInterval(method: .loglog)
    #expect(c.low == 3 && c.high == 14)
    let msc = try KaplanMeierEstimate(Self.msc.map { .init(time: $0.0, event: $0.1) })
    #expect(msc.medianSurvival == 20)
    let m = msc.medianInterval(method: .loglog)
    #expect(m.low == 5 && m.high == nil)  // lifelines: inf
  }

  @Test func estimableUpToTheLastFollowUpOrOnceTheCurveReachesZero() throws {
    // Last observation censored on day 30: day 30 estimable, day 31 not.
    let censoredLast = try KaplanMeierEstimate([
      .init(days: 10, event: true), .init(days: 20, event: false), .init(days: 30, event: false),
    ])
    #expect(censoredLast.isEstimable(at: 30))
    #expect(!censoredLast.isEstimable(at: 31))
    // Issue 12: "100.0% at day 364 after 30 days of follow-up".
    let noEvents = try KaplanMeierEstimate([.init(days: 30, event: false)])
    #expect(noEvents.isEstimable(at: 30) && !noEvents.isEstimable(at: 364))
    // The curve reaches 0 on day 198: 0 stays known afterwards.
    let toZero = try KaplanMeierEstimate([
      .init(days: 31, event: false), .init(days: 198, event: true),
    ])
    #expect(toZero.isEstimable(at: 336) && toZero.survival(at: 336) == 0)
    #expect(!(try KaplanMeierEstimate([])).isEstimable(at: 1))
  }
}
