/// An adverse event (SPEC §2): CTCAE v5 grade, ICH E2A seriousness (separate from the grade),
/// relatedness to the MSC product, onset and resolution, and the infusion it is linked to.
///
/// JSON keys: `id`, `study_id`, `term`, `grade`, `serious` (null when not serious),
/// `relatedness`, `onset`, `resolved` (null while ongoing), `infusion_id`, `lot_number`,
/// `voided`, `void_reason`.
public struct AdverseEvent: Sendable, Equatable, Codable {
  /// Database id (`--ae N`).
  public let id: Int64
  /// The patient's study ID.
  public let studyID: String
  /// The event term (MedDRA/CTCAE term as the site reports it).
  public let term: String
  /// CTCAE v5 grade.
  public let grade: CTCAEGrade
  /// The seriousness criterion met, nil when not serious.
  public let serious: Seriousness?
  /// Relation to the MSC product.
  public let relatedness: Relatedness
  /// Onset date.
  public let onsetOn: CalendarDate
  /// Resolution date, nil while ongoing.
  public let resolvedOn: CalendarDate?
  /// The linked infusion's id, if any.
  public let infusionID: Int64?
  /// The lot of the linked infusion, if any.
  public let lotNumber: String?
  /// Voided (entered in error); reports ignore it.
  public let voided: Bool
  /// Why it was voided.
  public let voidReason: String?

  /// Creates a value.
  public init(
    id: Int64, studyID: String, term: String, grade: CTCAEGrade, serious: Seriousness?,
    relatedness: Relatedness, onsetOn: CalendarDate, resolvedOn: CalendarDate?,
    infusionID: Int64?, lotNumber: String?, voided: Bool = false, voidReason: String? = nil
  ) {
    self.id = id
    self.studyID = studyID
    self.term = term
    self.grade = grade
    self.serious = serious
    self.relatedness = relatedness
    self.onsetOn = onsetOn
    self.resolvedOn = resolvedOn
    self.infusionID = infusionID
    self.lotNumber = lotNumber
    self.voided = voided
    self.voidReason = voidReason
  }

  enum CodingKeys: String, CodingKey {
    case id, term, grade, serious, relatedness, voided
    case studyID = "study_id"
    case onsetOn = "onset"
    case resolvedOn = "resolved"
    case infusionID = "infusion_id"
    case lotNumber = "lot_number"
    case voidReason = "void_reason"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(studyID, forKey: .studyID)
    try c.encode(term, forKey: .term)
    try c.encode(grade.rawValue, forKey: .grade)
    try c.encode(serious, forKey: .serious)
    try c.encode(relatedness, forKey: .relatedness)
    try c.encode(onsetOn, forKey: .onsetOn)
    try c.encode(resolvedOn, forKey: .resolvedOn)
    try c.encode(infusionID, forKey: .infusionID)
    try c.encode(lotNumber, forKey: .lotNumber)
    try c.encode(voided, forKey: .voided)
    try c.encode(voidReason, forKey: .voidReason)
  }

  /// The grade and seriousness of an adverse event, checked together (ICH E2A and CTCAE v5
  /// agree on death): a grade 5 event is serious by the criterion `death` (filled in when
  /// `serious` is nil), and `death` is the criterion of grade 5 events only.
  ///
  /// - Throws: `RegistryError.refused("serious", …)` for grade 5 with another criterion,
  ///   or the criterion `death` with a grade below 5.
  public static func checkedSeriousness(grade: CTCAEGrade, serious: Seriousness?) throws
    -> Seriousness?
  {
    if grade == .death {
      guard serious == nil || serious == .death else {
        throw RegistryError.refused(
          Seriousness.field, "a grade 5 adverse event is serious by the criterion death")
      }
      return .death
    }
    if serious == .death {
      throw RegistryError.refused(
        Seriousness.field,
        "the criterion death is for grade 5 adverse events (grade is \(grade.rawValue))")
    }
    return serious
  }
}

/// A dated clinical event (SPEC §2): death, liver transplant or loss to follow-up.
///
/// JSON keys: `id`, `study_id`, `kind`, `date`, `voided`, `void_reason`.
public struct ClinicalEvent: Sendable, Equatable, Codable {
  /// Database id (`--event N`).
  public let id: Int64
  /// The patient's study ID.
  public let studyID: String
  /// What happened.
  public let kind: ClinicalEventKind
  /// When.
  public let occurredOn: CalendarDate
  /// Voided (entered in error); reports ignore it.
  public let voided: Bool
  /// Why it was voided.
  public let voidReason: String?

  /// Creates a value.
  public init(
    id: Int64, studyID: String, kind: ClinicalEventKind, occurredOn: CalendarDate,
    voided: Bool = false, voidReason: String? = nil
  ) {
    self.id = id
    self.studyID = studyID
    self.kind = kind
    self.occurredOn = occurredOn
    self.voided = voided
    self.voidReason = voidReason
  }

  enum CodingKeys: String, CodingKey {
    case id, kind, voided
    case studyID = "study_id"
    case occurredOn = "date"
    case voidReason = "void_reason"
  }
}

extension ClinicalEventKind: ClinicalCode {
  public static let codeName = "clinical event kind"

  /// The status an event gives the patient: death → `died`, lost to follow-up →
  /// `lost_to_follow_up`; a liver transplant is a survival event and leaves the status as it is.
  public var resultingStatus: PatientStatus? {
    switch self {
    case .death: .died
    case .lostToFollowUp: .lostToFollowUp
    case .liverTransplant: nil
    }
  }
}
