/// One recipient of a lot (a live infusion from it): what a recall needs.
public struct LotRecipient: Sendable, Equatable, Codable {
  /// Study ID.
  public let studyID: String
  /// Protocol code.
  public let protocolCode: String
  /// Site code (whom to call).
  public let site: String
  /// Patient status now.
  public let status: PatientStatus
  /// Infusion id.
  public let infusionID: Int64
  /// Date of the infusion.
  public let infusedOn: CalendarDate
  /// Total cells given.
  public let totalCells: Double
  /// Dose per kg.
  public let dosePerKg: Double
  /// Route.
  public let route: Route

  /// Creates a recipient row.
  public init(
    studyID: String, protocolCode: String, site: String, status: PatientStatus,
    infusionID: Int64, infusedOn: CalendarDate, totalCells: Double, dosePerKg: Double,
    route: Route
  ) {
    self.studyID = studyID
    self.protocolCode = protocolCode
    self.site = site
    self.status = status
    self.infusionID = infusionID
    self.infusedOn = infusedOn
    self.totalCells = totalCells
    self.dosePerKg = dosePerKg
    self.route = route
  }

  enum CodingKeys: String, CodingKey {
    case site, status, route
    case studyID = "study_id"
    case protocolCode = "protocol"
    case infusionID = "infusion_id"
    case infusedOn = "infused_on"
    case totalCells = "total_cells"
    case dosePerKg = "dose_per_kg"
  }
}

/// An adverse event of a lot's recipient with onset on or after their first infusion of it.
public struct LotAdverseEvent: Sendable, Equatable, Codable {
  /// Adverse event id.
  public let id: Int64
  /// Study ID.
  public let studyID: String
  /// Term.
  public let term: String
  /// CTCAE grade 1–5.
  public let grade: Int
  /// Seriousness criterion, if serious.
  public let serious: String?
  /// Relatedness to MSC.
  public let relatedness: String
  /// Onset date.
  public let onsetOn: CalendarDate
  /// The infusion the event was linked to, if any.
  public let infusionID: Int64?
  /// True when linked to an infusion from this lot.
  public let linkedToLot: Bool

  /// Creates an adverse-event row.
  public init(
    id: Int64, studyID: String, term: String, grade: Int, serious: String?,
    relatedness: String, onsetOn: CalendarDate, infusionID: Int64?, linkedToLot: Bool
  ) {
    self.id = id
    self.studyID = studyID
    self.term = term
    self.grade = grade
    self.serious = serious
    self.relatedness = relatedness
    self.onsetOn = onsetOn
    self.infusionID = infusionID
    self.linkedToLot = linkedToLot
  }

  enum CodingKeys: String, CodingKey {
    case id, term, grade, serious, relatedness
    case studyID = "study_id"
    case onsetOn = "onset_on"
    case infusionID = "infusion_id"
    case linkedToLot = "linked_to_lot"
  }
}

/// Everything `lot show` prints: the lot, its recipients and their later adverse events.
public struct LotDetail: Sendable, Equatable, Codable {
  /// The lot.
  public let lot: MSCLot
  /// Live infusions from the lot, by date.
  public let recipients: [LotRecipient]
  /// Adverse events of those recipients on or after their first infusion of the lot.
  public let adverseEvents: [LotAdverseEvent]

  /// Creates a detail value.
  public init(lot: MSCLot, recipients: [LotRecipient], adverseEvents: [LotAdverseEvent]) {
    self.lot = lot
    self.recipients = recipients
    self.adverseEvents = adverseEvents
  }

  enum CodingKeys: String, CodingKey {
    case lot, recipients
    case adverseEvents = "adverse_events"
  }
}

/// One lot a patient received (the look-back from a patient to every lot).
public struct PatientLotUse: Sendable, Equatable, Codable {
  /// The infusion.
  public let infusion: Infusion
  /// The lot it came from.
  public let lot: MSCLot

  /// Creates a row.
  public init(infusion: Infusion, lot: MSCLot) {
    self.infusion = infusion
    self.lot = lot
  }
}

/// A patient's treatment course: every infusion (voided ones marked) and the totals of the
/// live ones.
public struct TreatmentCourse: Sendable, Equatable, Codable {
  /// Infusions by date, voided ones included.
  public let infusions: [Infusion]

  /// Creates a course.
  public init(infusions: [Infusion]) { self.infusions = infusions }

  /// Live infusions.
  public var live: [Infusion] { infusions.filter(\.isLive) }
  /// Sum of the live infusions' doses per kg.
  public var cumulativeDosePerKg: Double { live.reduce(0) { $0 + $1.dosePerKg } }
  /// Distinct lots of the live infusions, in order of first use.
  public var lots: [String] {
    var seen: [String] = []
    for infusion in live where !seen.contains(infusion.lotNumber) {
      seen.append(infusion.lotNumber)
    }
    return seen
  }

  enum CodingKeys: String, CodingKey {
    case infusions, lots
    case liveCount = "live_infusions"
    case cumulativeDosePerKg = "cumulative_dose_per_kg"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    infusions = try c.decode([Infusion].self, forKey: .infusions)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(infusions, forKey: .infusions)
    try c.encode(live.count, forKey: .liveCount)
    try c.encode(cumulativeDosePerKg, forKey: .cumulativeDosePerKg)
    try c.encode(lots, forKey: .lots)
  }
}
