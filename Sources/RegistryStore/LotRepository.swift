import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.msc_lot`: characterisation, release status and the look-back from a lot
/// to its recipients and their adverse events.
public struct LotRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let lotColumns = """
    l.lot_number, l.source, l.donor, l.product, l.passage, l.viability_pct, l.cd73_pct,
    l.cd90_pct, l.cd105_pct, l.cd45_pct, l.cd34_pct, l.cd14_pct, l.cd19_pct, l.hla_dr_pct,
    l.sterility, l.mycoplasma, l.endotoxin_eu_ml, l.manufactured_on, l.expires_on, l.status,
    l.status_reason
    """

  /// How `find` locks the row.
  public enum Lock: Sendable {
    /// No lock.
    case none
    /// `FOR SHARE`: the lot cannot change status until the transaction ends.
    case share
    /// `FOR UPDATE`: the caller is about to change it.
    case update
  }

  /// Inserts a new lot (in the status it carries, normally quarantine).
  public func insert(_ lot: MSCLot) throws {
    let m = lot.markers
    try store.mapped {
      try store.query(
        """
        INSERT INTO registry.msc_lot (lot_number, source, donor, product, passage, viability_pct,
          cd73_pct, cd90_pct, cd105_pct, cd45_pct, cd34_pct, cd14_pct, cd19_pct, hla_dr_pct,
          sterility, mycoplasma, endotoxin_eu_ml, manufactured_on, expires_on, status)
        VALUES (\(lot.lotNumber), \(lot.source.rawValue), \(lot.donor.rawValue), \(lot.product.rawValue), \(lot.passage), \(lot.viabilityPct), \(m.cd73), \(m.cd90), \(m.cd105), \(m.cd45), \(m.cd34), \(m.cd14), \(m.cd19), \(m.hlaDR), \(lot.sterility?.rawValue), \(lot.mycoplasma?.rawValue), \(lot.endotoxinEUPerML), \(lot.manufacturedOn),
          \(lot.expiresOn), \(lot.status.rawValue))
        """)
    }
  }

  /// A lot by number, or nil; `lock` takes a row lock for the rest of the transaction.
  ///
  /// `.share` (an infusion being recorded) goes through `registry.lock_lot_for_infusion`, a
  /// SECURITY DEFINER function: coordinators hold no UPDATE on lots, which `FOR SHARE` needs.
  public func find(lotNumber: String, lock: Lock = .none) throws -> MSCLot? {
    let suffix =
      switch lock {
      case .none, .share: ""
      case .update: "FOR UPDATE"
      }
    return try store.mapped {
      if lock == .share {
        try store.query("SELECT registry.lock_lot_for_infusion(\(lotNumber))")
      }
      return try store.query(
        "SELECT \(unescaped: Self.lotColumns) FROM registry.msc_lot l WHERE l.lot_number = \(lotNumber) \(unescaped: suffix)"
      ).rows.first.map(Self.lot)
    }
  }

  /// Lots, optionally of one status, by lot number.
  public func list(status: LotStatus?) throws -> [MSCLot] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.lotColumns) FROM registry.msc_lot l
        WHERE (\(status?.rawValue)::text IS NULL OR l.status = \(status?.rawValue)) ORDER BY l.lot_number
        """
      ).rows.map(Self.lot)
    }
  }

  /// Sets the release status (the caller has checked the transition and the criteria).
  public func updateStatus(lotNumber: String, to status: LotStatus, reason: String?) throws {
    try store.mapped {
      try store.query(
        """
        UPDATE registry.msc_lot SET status = \(status.rawValue), status_reason = \(reason), status_changed_at = now()
        WHERE lot_number = \(lotNumber)
        """)
    }
  }

  /// Live infusions from a lot with their recipients, by date and study ID.
  public func recipients(lotNumber: String) throws -> [LotRecipient] {
    try store.mapped {
      try store.query(
        """
        SELECT i.id, i.study_id, p.protocol_code, p.site_code, p.status, i.infused_on,
               i.total_cells, i.dose_per_kg, i.route
        FROM registry.infusion i JOIN registry.patient p ON p.study_id = i.study_id
        WHERE i.lot_number = \(lotNumber) AND i.voided_at IS NULL
        ORDER BY i.infused_on, i.study_id, i.id
        """
      ).rows.map { row in
        LotRecipient(
          studyID: try row.decode("study_id"), protocolCode: try row.decode("protocol_code"),
          site: try row.decode("site_code"), status: try row.code("status"),
          infusionID: try row.decode("id"), infusedOn: try row.decode("infused_on"),
          totalCells: try row.decode("total_cells"), dosePerKg: try row.decode("dose_per_kg"),
          route: try row.code("route"))
      }
    }
  }

  /// Non-voided adverse events of the lot's recipients with onset on or after each one's
  /// first live infusion of the lot, by onset.
  public func adverseEvents(lotNumber: String) throws -> [LotAdverseEvent] {
    try store.mapped {
      try store.query(
        """
        WITH given AS (
          SELECT study_id, min(infused_on) AS first_on, array_agg(id) AS infusion_ids
          FROM registry.infusion WHERE lot_number = \(lotNumber) AND voided_at IS NULL GROUP BY study_id)
        SELECT ae.id, ae.study_id, ae.term, ae.grade, ae.serious, ae.relatedness, ae.onset_on,
               ae.infusion_id, coalesce(ae.infusion_id = ANY (g.infusion_ids), false) AS linked
        FROM registry.adverse_event ae JOIN given g ON g.study_id = ae.study_id
        WHERE ae.voided_at IS NULL AND ae.onset_on >= g.first_on
        ORDER BY ae.onset_on, ae.study_id, ae.id
        """
      ).rows.map { row in
        LotAdverseEvent(
          id: try row.decode("id"), studyID: try row.decode("study_id"),
          term: try row.decode("term"), grade: try row.decode("grade"),
          serious: try row.decode("serious"), relatedness: try row.decode("relatedness"),
          onsetOn: try row.decode("onset_on"), infusionID: try row.decode("infusion_id"),
          linkedToLot: try row.decode("linked"))
      }
    }
  }

  static func lot(_ row: PostgresRow) throws -> MSCLot {
    let sterility: String? = try row.decode("sterility")
    let mycoplasma: String? = try row.decode("mycoplasma")
    func result(_ text: String?, _ column: String) throws -> MicrobiologyResult? {
      guard let text else { return nil }
      guard let value = MicrobiologyResult(rawValue: text) else {
        throw PostgresError(sqlState: .internalError, message: "column \(column) holds '\(text)'")
      }
      return value
    }
    return MSCLot(
      lotNumber: try row.decode("lot_number"), source: try row.code("source"),
      donor: try row.code("donor"), product: try row.code("product"),
      passage: try row.decode("passage"), viabilityPct: try row.decode("viability_pct"),
      markers: MarkerPanel(
        cd73: try row.decode("cd73_pct"), cd90: try row.decode("cd90_pct"),
        cd105: try row.decode("cd105_pct"), cd45: try row.decode("cd45_pct"),
        cd34: try row.decode("cd34_pct"), cd14: try row.decode("cd14_pct"),
        cd19: try row.decode("cd19_pct"), hlaDR: try row.decode("hla_dr_pct")),
      sterility: try result(sterility, "sterility"),
      mycoplasma: try result(mycoplasma, "mycoplasma"),
      endotoxinEUPerML: try row.decode("endotoxin_eu_ml"),
      manufacturedOn: try row.decode("manufactured_on"), expiresOn: try row.decode("expires_on"),
      status: try row.code("status"), statusReason: try row.decode("status_reason"))
  }
}
