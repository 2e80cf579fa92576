import Foundation
import RegistryDomain

/// The effect sizes and rates a synthetic cohort is drawn with, per condition (README
/// "Synthetic cohorts" explains each choice).
///
/// Survival: transplant-free survival (death or liver transplant, the liver protocols'
/// endpoint) or overall survival (SLE) follows a Weibull curve per arm, calibrated so that
/// S(`horizonDays`) equals the target: Lin et al., Hepatology 2017 for ACLF (24-week survival
/// 73.2% with bone-marrow MSC against 55.6% with standard medical therapy); Wang et al.,
/// Arthritis Res Ther 2014 for SLE (92.5% over follow-up, here about 95% at one year). The
/// patient's latent severity shifts their event time (rank correlation ρ = `severityWeight`)
/// without changing the arm's marginal curve.
public struct CohortEffects: Sendable, Hashable {
  /// Day at which the survival targets hold.
  public let horizonDays: Int
  /// S(horizon) in arms that receive MSC.
  public let survivalMSC: Double
  /// S(horizon) in arms that do not.
  public let survivalControl: Double
  /// Weibull shape (< 1: events concentrate early, as in ACLF).
  public let weibullShape: Double
  /// Share of events that are liver transplants rather than deaths.
  public let transplantShare: Double
  /// Weight of the latent severity in the event time's normal score (0–1).
  public let severityWeight: Double
  /// Probability a patient withdraws (at a uniform day in 7–365).
  public let withdrawal: Double
  /// Probability a patient is lost to follow-up (at a uniform day in 30–400).
  public let lostToFollowUp: Double
  /// Probability a scheduled follow-up visit is missed.
  public let missedVisit: Double
  /// Mean number of adverse events per patient-year not tied to an infusion.
  public let adverseEventsPerYear: Double
  /// Probability an infusion is followed by an infusion reaction.
  public let infusionReaction: Double
  /// Failed screenings per enrolled patient (0.1765: 15% of screenings fail).
  public let screenFailuresPerEnrollment: Double
  /// Fraction of patients of each sex that is female.
  public let femaleShare: Double
  /// Mean age at enrollment, years (bounded by the protocol's age criterion).
  public let ageMean: Double
  /// Standard deviation of age at enrollment, years.
  public let ageSD: Double

  /// The parameters for a condition.
  public static func of(_ condition: Condition) -> CohortEffects {
    switch condition {
    case .sle:
      CohortEffects(
        horizonDays: 364, survivalMSC: 0.96, survivalControl: 0.94, weibullShape: 1,
        transplantShare: 0, severityWeight: 0.4, withdrawal: 0.06, lostToFollowUp: 0.03,
        missedVisit: 0.10, adverseEventsPerYear: 1.6, infusionReaction: 0.12,
        screenFailuresPerEnrollment: 0.15 / 0.85, femaleShare: 0.9, ageMean: 35, ageSD: 10)
    case .liverFailure:
      CohortEffects(
        horizonDays: 168, survivalMSC: 0.732, survivalControl: 0.556, weibullShape: 0.5,
        transplantShare: 0.12, severityWeight: 0.5, withdrawal: 0.03, lostToFollowUp: 0.02,
        missedVisit: 0.10, adverseEventsPerYear: 4.0, infusionReaction: 0.08,
        screenFailuresPerEnrollment: 0.15 / 0.85, femaleShare: 0.2, ageMean: 46, ageSD: 11)
    }
  }

  /// The Weibull scale λ giving S(horizon) = `survival`: S(t) = exp(−(t/λ)^k).
  func weibullScale(survival: Double) -> Double {
    Double(horizonDays) / pow(-log(survival), 1 / weibullShape)
  }

  /// Event day for a patient: the inverse survival function at `u` (uniform in (0, 1)).
  func eventDay(u: Double, receivesMSC: Bool) -> Int {
    let scale = weibullScale(survival: receivesMSC ? survivalMSC : survivalControl)
    let t = scale * pow(-log(max(u, 1e-300)), 1 / weibullShape)
    return t > 100_000 ? 100_000 : max(1, Int(t.rounded(.up)))
  }
}
