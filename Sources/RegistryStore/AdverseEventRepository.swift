import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.adverse_event`, and the infusion facts an adverse event's link needs.
public struct AdverseEventRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// What an adverse event may be linked to: one infusion of a patient.
  public struct InfusionLink: Sendable, Equatable {
    /// Infusion id.
    public let id: Int64
    /// The infused patient.
    public let studyID: String
    /// Infusion date.
    public let infusedOn: CalendarDate
    /// Lot infused.
    public let lotNumber: String
    /// Whether the infusion was voided.
    public let voided: Bool
  }

  static let columns = """
    ae.id, ae.study_id, ae.term, ae.grade, ae.serious, ae.relatedness, ae.onset_on,
    ae.resolved_on, ae.infusion_id, i.lot_number, ae.voided_at IS NOT NULL AS voided,
    ae.void_reason
    """

  /// Inserts an adverse event; returns its id. A grade 5 event without a live death is
  /// refused at commit by the database (`adverse_event_grade5_death`).
  public func insert(
    studyID: String, term: String, grade: CTCAEGrade, serious: Seriousness?,
    relatedness: Relatedness, onset: CalendarDate, resolved: CalendarDate?, infusionID: Int64?
  ) throws -> Int64 {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.adverse_event
          (study_id, term, grade, serious, relatedness, onset_on, resolved_on, infusion_id)
        VALUES (\(studyID), \(term), \(grade.rawValue), \(serious?.rawValue), \(relatedness.rawValue), \(onset), \(resolved), \(infusionID))
        RETURNING id
        """
      ).rows[0].decode("id")
    }
  }

  /// Replaces the correctable fields of an adverse event (the audit trigger keeps the old row).
  public func update(
    id: Int64, grade: CTCAEGrade, serious: Seriousness?, relatedness: Relatedness,
    resolved: CalendarDate?, infusionID: Int64?
  ) throws {
    try store.mapped {
      try store.query(
        """
        UPDATE registry.adverse_event
        SET grade = \(grade.rawValue), serious = \(serious?.rawValue), relatedness = \(relatedness.rawValue), resolved_on = \(resolved), infusion_id = \(infusionID)
        WHERE id = \(id)
        """)
    }
  }

  /// Marks an adverse event voided with a reason.
  public func void(id: Int64, reason: String) throws {
    try store.mapped {
      try store.query(
        "UPDATE registry.adverse_event SET voided_at = now(), void_reason = \(reason) WHERE id = \(id)"
      )
    }
  }

  /// An adverse event by id (voided or not), or nil.
  public func find(id: Int64, forUpdate: Bool = false) throws -> AdverseEvent? {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.adverse_event ae
        LEFT JOIN registry.infusion i ON i.id = ae.infusion_id
        WHERE ae.id = \(id) \(unescaped: forUpdate ? "FOR UPDATE OF ae" : "")
        """
      ).rows.first.map(Self.event)
    }
  }

  /// A patient's adverse events by onset (voided ones only when `includeVoided`).
  public func list(studyID: String, includeVoided: Bool = false) throws -> [AdverseEvent] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.adverse_event ae
        LEFT JOIN registry.infusion i ON i.id = ae.infusion_id
        WHERE ae.study_id = \(studyID) AND (\(includeVoided) OR ae.voided_at IS NULL)
        ORDER BY ae.onset_on, ae.id
        """
      ).rows.map(Self.event)
    }
  }

  /// Whether a patient has a live grade 5 adverse event.
  public func hasLiveGrade5(studyID: String) throws -> Bool {
    try store.mapped {
      try store.query(
        """
        SELECT EXISTS (SELECT 1 FROM registry.adverse_event
          WHERE study_id = \(studyID) AND grade = 5 AND voided_at IS NULL) AS present
        """
      ).rows[0].decode("present")
    }
  }

  /// An infusion by id (any patient), or nil.
  public func infusion(id: Int64) throws -> InfusionLink? {
    try store.mapped {
      try store.query(
        """
        SELECT id, study_id, infused_on, lot_number, voided_at IS NOT NULL AS voided
        FROM registry.infusion WHERE id = \(id)
        """
      ).rows.first.map { row in
        InfusionLink(
          id: try row.decode("id"), studyID: try row.decode("study_id"),
          infusedOn: try row.decode("infused_on"), lotNumber: try row.decode("lot_number"),
          voided: try row.decode("voided"))
      }
    }
  }

  /// The date of the patient's earliest live (non-voided) infusion, nil when none.
  public func firstLiveInfusionDate(studyID: String) throws -> CalendarDate? {
    try store.mapped {
      try store.query(
        """
        SELECT min(infused_on) AS day FROM registry.infusion
        WHERE study_id = \(studyID) AND voided_at IS NULL
        """
      ).rows[0].decode("day")
    }
  }

  /// How many live infusions a patient has had.
  public func liveInfusionCount(studyID: String) throws -> Int {
    try store.mapped {
      try store.query(
        """
        SELECT count(*)::int AS n FROM registry.infusion
        WHERE study_id = \(studyID) AND voided_at IS NULL
        """
      ).rows[0].decode("n")
    }
  }

  static func event(_ row: PostgresRow) throws -> AdverseEvent {
    let gradeNumber: Int = try row.decode("grade")
    guard let grade = CTCAEGrade(gradeNumber) else {
      throw PostgresError(sqlState: .internalError, message: "column grade holds \(gradeNumber)")
    }
    let serious: String? = try row.decode("serious")
    return AdverseEvent(
      id: try row.decode("id"), studyID: try row.decode("study_id"), term: try row.decode("term"),
      grade: grade, serious: try serious.map { _ in try row.code("serious") },
      relatedness: try row.code("relatedness"), onsetOn: try row.decode("onset_on"),
      resolvedOn: try row.decode("resolved_on"), infusionID: try row.decode("infusion_id"),
      lotNumber: try row.decode("lot_number"), voided: try row.decode("voided"),
      voidReason: try row.decode("void_reason"))
  }
}
