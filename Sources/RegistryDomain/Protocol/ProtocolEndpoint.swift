/// One endpoint of the protocol (`endpoints[]`), reported by the cohort report (SPEC §6).
///
/// Which fields are set depends on `kind`: `survival` has `events` and `horizonsDays`;
/// `sri4` and `renal_response` have `visit`; `change` has `visit` and `measure`;
/// `renal_response` may have `population: {upcr_min: X}`.
public struct ProtocolEndpoint: Sendable, Hashable {
  /// The endpoint code (`sri4_w24`, `tfs`); unique within the protocol.
  public let code: String
  /// What is measured.
  public let kind: EndpointKind
  /// The visit the endpoint is read at (not for survival).
  public let visit: String?
  /// The measure whose change from baseline is reported (`change` only).
  public let measure: Measure?
  /// Events that end survival, for example `[death, liver_transplant]` (`survival` only).
  public let events: [ClinicalEventKind]
  /// Days at which survival is reported, strictly increasing (`survival` only).
  public let horizonsDays: [Int]
  /// `renal_response` only: the population's baseline UPCR threshold in g/g, from
  /// `population: {upcr_min: X}`; nil means the KDIGO 2024 default
  /// (`RenalResponse.defaultPopulationUPCRMin`, 0.5 g/g).
  public let populationUPCRMin: Double?

  /// The baseline UPCR threshold of a renal-response population in effect (g/g).
  public var renalPopulationUPCRMin: Double {
    populationUPCRMin ?? RenalResponse.defaultPopulationUPCRMin
  }

  /// Creates an endpoint; the values are taken as given.
  public init(
    code: String, kind: EndpointKind, visit: String? = nil, measure: Measure? = nil,
    events: [ClinicalEventKind] = [], horizonsDays: [Int] = [], populationUPCRMin: Double? = nil
  ) {
    self.code = code
    self.kind = kind
    self.visit = visit
    self.measure = measure
    self.events = events
    self.horizonsDays = horizonsDays
    self.populationUPCRMin = populationUPCRMin
  }
}
