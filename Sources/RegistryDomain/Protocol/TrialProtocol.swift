/// A trial protocol: arms, randomization, eligibility, treatment, visits and endpoints, as read
/// from a protocol YAML file (SPEC §3).
///
/// Create one with `TrialProtocol(yaml:)`, which validates the whole file and lists every
/// problem. A value of this type is therefore always consistent: arm, visit and endpoint codes
/// are unique, endpoints name existing visits and measures of the protocol's condition, block
/// sizes are multiples of the ratio sum, and at least one arm receives MSC.
public struct TrialProtocol: Sendable, Hashable {
  /// Protocol code (`SLE-UCMSC`), unique in the registry.
  public let code: String
  /// Version, ≥ 1; a loaded version is immutable.
  public let version: Int
  /// Human-readable title.
  public let title: String
  /// The condition studied.
  public let condition: Condition
  /// Prefix of study IDs `<prefix>-<SITE>-<NNNN>`: 2–10 upper-case letters or digits, starting
  /// with a letter.
  public let studyIDPrefix: String
  /// Arms in file order; one arm means a single-arm trial without randomization.
  public let arms: [ProtocolArm]
  /// Randomization settings; nil only for a single-arm protocol without the section.
  public let randomization: Randomization?
  /// Criteria checked at enrollment.
  public let eligibility: Eligibility
  /// What may be infused.
  public let treatment: TreatmentPlan
  /// Scheduled visits in file order.
  public let visits: [ScheduledVisit]
  /// Endpoints in file order.
  public let endpoints: [ProtocolEndpoint]

  /// Creates a protocol from parts without validation (tests and the store use
  /// `TrialProtocol(yaml:)` for anything read from a file).
  public init(
    code: String, version: Int, title: String, condition: Condition, studyIDPrefix: String,
    arms: [ProtocolArm], randomization: Randomization?, eligibility: Eligibility,
    treatment: TreatmentPlan, visits: [ScheduledVisit], endpoints: [ProtocolEndpoint]
  ) {
    self.code = code
    self.version = version
    self.title = title
    self.condition = condition
    self.studyIDPrefix = studyIDPrefix
    self.arms = arms
    self.randomization = randomization
    self.eligibility = eligibility
    self.treatment = treatment
    self.visits = visits
    self.endpoints = endpoints
  }

  /// Whether patients are randomized (more than one arm).
  public var isRandomized: Bool { arms.count > 1 }

  /// The arm with `code`, nil when the protocol has none.
  public func arm(code: String) -> ProtocolArm? { arms.first { $0.code == code } }

  /// The visit with `code`, nil when the protocol has none.
  public func visit(code: String) -> ScheduledVisit? { visits.first { $0.code == code } }

  /// The endpoint with `code`, nil when the protocol has none.
  public func endpoint(code: String) -> ProtocolEndpoint? { endpoints.first { $0.code == code } }

  /// The baseline visit: the first visit on day 0, the reference of every change, SRI-4 and
  /// renal response. Nil when the protocol has no day-0 visit.
  public var baselineVisit: ScheduledVisit? { visits.first { $0.day == 0 } }

  /// The measures eligibility needs at enrollment, in the file's order (age is not a measure).
  public var eligibilityMeasures: [Measure] { eligibility.measuresNeeded }

  /// The randomizer for this protocol's arms, block sizes and seed.
  public var randomizer: BlockRandomizer { BlockRandomizer(protocol: self) }
}
