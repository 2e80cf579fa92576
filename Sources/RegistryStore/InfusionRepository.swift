import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.infusion`. Rows are never deleted or edited, only voided.
public struct InfusionRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let columns = """
    i.id, i.study_id, i.lot_number, i.infused_on, i.weight_kg, i.total_cells, i.dose_per_kg,
    i.route, i.voided_at, i.void_reason
    """

  /// Records an infusion (dose per kg derived as cells ÷ weight); returns it with its id.
  public func insert(_ entry: InfusionEntry) throws -> Infusion {
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.infusion AS i
          (study_id, lot_number, infused_on, weight_kg, total_cells, dose_per_kg, route)
        VALUES (\(entry.studyID), \(entry.lotNumber), \(entry.date), \(entry.weightKg), \(entry.cells), \(entry.dosePerKg), \(entry.route.rawValue))
        RETURNING \(unescaped: Self.columns)
        """
      ).rows[0].decodeInfusion()
    }
  }

  /// Every infusion of a patient, voided ones included, by date and id.
  public func all(studyID: String) throws -> [Infusion] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.infusion i
        WHERE i.study_id = \(studyID) ORDER BY i.infused_on, i.id
        """
      ).rows.map { try $0.decodeInfusion() }
    }
  }

  /// One infusion by id, or nil.
  public func find(id: Int64) throws -> Infusion? {
    try store.mapped {
      try store.query(
        "SELECT \(unescaped: Self.columns) FROM registry.infusion i WHERE i.id = \(id)"
      ).rows.first.map { try $0.decodeInfusion() }
    }
  }

  /// Marks an infusion voided now with a reason.
  public func void(id: Int64, reason: String) throws {
    try store.mapped {
      try store.query(
        "UPDATE registry.infusion SET voided_at = now(), void_reason = \(reason) WHERE id = \(id)")
    }
  }

  /// Every infusion of a patient with the lot it came from (the look-back from a patient).
  public func lotUses(studyID: String) throws -> [PatientLotUse] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns), \(unescaped: LotRepository.lotColumns)
        FROM registry.infusion i JOIN registry.msc_lot l ON l.lot_number = i.lot_number
        WHERE i.study_id = \(studyID) ORDER BY i.infused_on, i.id
        """
      ).rows.map { row in
        PatientLotUse(infusion: try row.decodeInfusion(), lot: try LotRepository.lot(row))
      }
    }
  }
}

extension PostgresRow {
  func decodeInfusion() throws -> Infusion {
    Infusion(
      id: try decode("id"), studyID: try decode("study_id"), lotNumber: try decode("lot_number"),
      infusedOn: try decode("infused_on"), weightKg: try decode("weight_kg"),
      totalCells: try decode("total_cells"), dosePerKg: try decode("dose_per_kg"),
      route: try code("route"), voidedAt: try decode("voided_at"),
      voidReason: try decode("void_reason"))
  }
}
