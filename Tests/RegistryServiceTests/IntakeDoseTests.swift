import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// Issue 12, item 4 against PostgreSQL: the protocol's dose limits and the report's dose bands
/// hold exactly at their edges, in the service, in the database's infusion gate (numeric, not
/// float) and in the report SQL. Infusions are recorded as the owner, as InfusionServiceTests
/// do (a coordinator needs the grant of issue 11).
@Suite(.blocking) struct IntakeDoseTests {
  @Test func exactProtocolEdgesAreAcceptedAndBandedInclusively() throws {
    try TestDatabase.with { db in
      let t = try LotInfusionTrial(db)
      // ACLF-BMMSC: 0.5e6–1.0e6 cells/kg.
      let msc = LotInfusionTrial.ids(try t.enrollACLF(8), arm: "msc")
      try #require(msc.count >= 3)
      try t.lot(
        LotInfusionTrial.entry("BM-1", source: "bone_marrow", passage: "4", viability: "85"))
      try t.expectRefused("cells", ["below", "minimum 5e5"]) {
        try t.infuse(msc[0], lot: "BM-1", on: "2026-01-10", weightKg: 40.2, cells: 2.01e7 - 1)
      }
      try t.expectRefused("cells", ["above", "maximum 1e6"]) {
        try t.infuse(msc[0], lot: "BM-1", on: "2026-01-10", weightKg: 40.2, cells: 4.02e7 + 1)
      }
      let atMin = try t.infuse(msc[0], lot: "BM-1", on: "2026-01-10", weightKg: 40.2, cells: 2.01e7)
      #expect(atMin.dosePerKg == 0.5e6)
      let atMax = try t.infuse(msc[1], lot: "BM-1", on: "2026-01-10", weightKg: 40.2, cells: 4.02e7)
      #expect(atMax.dosePerKg == 1.0e6)

      var query = ReportService.CohortQuery(protocolCode: "ACLF-BMMSC")
      query.groupBy = .dose
      query.asOf = LotInfusionTrial.today
      let report = try ReportService(t.registry).cohort(query)
      let byBand = Dictionary(
        report.groups.map { ($0.group, $0.enrolled ?? -1) }, uniquingKeysWith: { a, _ in a })
      #expect(byBand["0.5–<1.0×10⁶/kg"] == 1, "\(byBand)")
      #expect(byBand["1.0–<2.0×10⁶/kg"] == 1, "\(byBand)")
      #expect(byBand["<0.5×10⁶/kg"] ?? 0 == 0, "\(byBand)")

      // The database gate alone (behind the service): numeric at both edges.
      let c = try db.connect()
      let insert = """
        INSERT INTO registry.infusion (study_id, lot_number, infused_on, weight_kg, total_cells,
          dose_per_kg, route)
        VALUES ($1, 'BM-1', '2026-01-12', 40.2, $2::float8, $2::float8 / 40.2::float8, 'iv')
        """
      for cells in [2.01e7 - 1, 4.02e7 + 1] {
        let error = #expect(throws: PostgresError.self) { try c.query(insert, [msc[2], cells]) }
        #expect(error?.sqlState == .infusionRefused)
        #expect(error?.column == "dose_per_kg")
      }
      try c.query(insert, [msc[2], 4.02e7])
    }
  }
}
