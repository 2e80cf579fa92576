import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.clinical_event` (death, liver transplant, loss to follow-up).
public struct ClinicalEventRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let columns = """
    id, study_id, kind, occurred_on, voided_at IS NOT NULL AS voided, void_reason
    """

  /// Inserts an event; returns its id. A second live event of the same kind is refused by the
  /// database (`clinical_event_once`).
  public func insert(
    studyID: String, kind: ClinicalEventKind, on date: CalendarDate,
    priorStatus: PatientStatus? = nil, priorStatusOn: CalendarDate? = nil
  ) throws -> Int64 {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.clinical_event (study_id, kind, occurred_on, prior_status, prior_status_on)
        VALUES (\(studyID), \(kind.rawValue), \(date), \(priorStatus?.rawValue), \(priorStatusOn))
        RETURNING id
        """
      ).rows[0].decode("id")
    }
  }

  /// Marks an event voided with a reason.
  public func void(id: Int64, reason: String) throws {
    try store.mapped {
      try store.query(
        "UPDATE registry.clinical_event SET voided_at = now(), void_reason = \(reason) WHERE id = \(id)"
      )
    }
  }

  /// An event by id (voided or not), or nil.
  public func find(id: Int64, forUpdate: Bool = false) throws -> ClinicalEvent? {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.clinical_event WHERE id = \(id)
        \(unescaped: forUpdate ? "FOR UPDATE" : "")
        """
      ).rows.first.map(Self.event)
    }
  }

  /// The live event of a kind of a patient, or nil.
  public func live(studyID: String, kind: ClinicalEventKind) throws -> ClinicalEvent? {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.clinical_event
        WHERE study_id = \(studyID) AND kind = \(kind.rawValue) AND voided_at IS NULL
        """
      ).rows.first.map(Self.event)
    }
  }

  /// A patient's events by date (voided ones only when `includeVoided`).
  public func list(studyID: String, includeVoided: Bool = false) throws -> [ClinicalEvent] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.clinical_event
        WHERE study_id = \(studyID) AND (\(includeVoided) OR voided_at IS NULL)
        ORDER BY occurred_on, id
        """
      ).rows.map(Self.event)
    }
  }

  /// The status the patient had before an event changed it (kept on the event row), with its
  /// date; nil when the event did not change the status.
  public func priorStatus(eventID: Int64) throws -> (status: PatientStatus, on: CalendarDate?)? {
    try store.mapped {
      guard
        let row = try store.query(
          "SELECT prior_status, prior_status_on FROM registry.clinical_event WHERE id = \(eventID)"
        ).rows.first, row["prior_status"] != nil
      else { return nil }
      return (try row.code("prior_status"), try row.decode("prior_status_on"))
    }
  }

  static func event(_ row: PostgresRow) throws -> ClinicalEvent {
    ClinicalEvent(
      id: try row.decode("id"), studyID: try row.decode("study_id"), kind: try row.code("kind"),
      occurredOn: try row.decode("occurred_on"), voided: try row.decode("voided"),
      voidReason: try row.decode("void_reason"))
  }
}
