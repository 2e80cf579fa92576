import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// The cohort report counts SRI-4 and renal responders in SQL; the domain defines them in
/// `SRI4` and `RenalResponse`. On random visits (edges included: PGA +0.3, UPCR halved, 15%
/// creatinine change, missing values, BILAG new A/B) the two must agree patient by patient.
@Suite struct ResponseSQLCrossCheckTests {
  @Test func sqlRespondersEqualTheDomainsOnRandomVisits() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let enroll = EnrollmentService(f.registry)
      var rng = SplitMix64(seed: 20_261_121)
      func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
      let grades = ["A", "B", "C", "D", "E"]
      let domains = ["renal", "mucocutaneous", "musculoskeletal", "hematological"]
      func bilag() -> [String: String]? {
        pick([true, true, false])
          ? Dictionary(uniqueKeysWithValues: domains.map { ($0, pick(grades)) }) : nil
      }
      let c = try db.connect()
      var expectedSRI4 = 0
      var expectedRenal = 0
      var expectedComplete = 0
      let patients = 120
      for i in 0..<patients {
        let id = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "X-\(i)")).studyID
        let b = (
          sledai: pick([4, 8, 10, 12, 16]), pga: pick([1.0, 1.5, 2.0, 2.5] as [Double?] + [nil]),
          bilag: bilag(), upcr: pick([0.0, 0.8, 1.0, 2.0, 4.0] as [Double?] + [nil]),
          creatinine: pick([0.8, 1.0, 1.2] as [Double?] + [nil])
        )
        let v = (
          sledai: pick([0, 4, 6, 8, 12]),
          pga: b.pga.map { $0 + pick([-0.5, 0.0, 0.2, 0.3, 0.5]) }.map { min(max($0, 0), 3) },
          bilag: bilag(),
          upcr: pick([0.3, 0.49, 0.5, 0.4, 1.0, 2.9, 3.0] as [Double?] + [nil]),
          creatinine: b.creatinine.map { $0 * pick([0.85, 1.0, 1.15, 1.16, 1.3]) }
        )
        let bilagJSON = { (g: [String: String]?) -> PostgresJSON? in
          try? g.map { try PostgresJSON(encoding: $0) }
        }
        try c.transaction { tx in
          try tx.query("SELECT set_config('mscreg.reason', 'cross-check', true)")
          try tx.query(
            """
            UPDATE registry.assessment SET sledai_2k = $2, pga = $3, bilag = $4, upcr = $5, creatinine = $6
            WHERE study_id = $1 AND visit_code = 'baseline'
            """, [id, b.sledai, b.pga, bilagJSON(b.bilag), b.upcr, b.creatinine])
          try tx.query(
            """
            INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_2k, pga, bilag, upcr, creatinine, engine_version)
            VALUES ($1, 'week24', '2026-11-16', $2, $3, $4, $5, $6, 'cross-check')
            """, [id, v.sledai, v.pga, bilagJSON(v.bilag), v.upcr, v.creatinine])
        }
        func bilagValue(_ g: [String: String]?) throws -> BILAG2004? {
          try g.map {
            try BILAG2004(parsing: $0.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
          }
        }
        let sri4 = SRI4(
          baseline: try .init(
            sledai2kScore: b.sledai, pga: try b.pga.map(PhysicianGlobalAssessment.init),
            bilag: try bilagValue(b.bilag)),
          followUp: try .init(
            sledai2kScore: v.sledai, pga: try v.pga.map(PhysicianGlobalAssessment.init),
            bilag: try bilagValue(v.bilag)))
        if sri4.responder { expectedSRI4 += 1 }
        let renal = RenalResponse(
          baselineUPCR: try b.upcr.map { try UPCR($0) },
          baselineCreatinine: try b.creatinine.map { try Creatinine($0) },
          upcr: try v.upcr.map { try UPCR($0) },
          creatinine: try v.creatinine.map { try Creatinine($0) })
        if renal.isResponder { expectedRenal += 1 }
        if renal.category == .complete { expectedComplete += 1 }
      }
      var q = ReportService.CohortQuery(protocolCode: "SLE-UCMSC")
      q.groupBy = .site
      let report = try ReportService(f.registry).cohort(q)
      let pan = try #require(report.groups.first { $0.group == "PAN" })
      var sri4: EndpointResult.Proportion?
      var renal: EndpointResult.Proportion?
      for e in pan.endpoints {
        if case .proportion(let p) = e, p.kind == "sri4" { sri4 = p }
        if case .proportion(let p) = e, p.kind == "renal_response" { renal = p }
      }
      #expect(sri4?.patients == patients)
      #expect(sri4?.responders == expectedSRI4)
      #expect(expectedSRI4 > 5 && expectedSRI4 < patients - 5, "the sample exercises both outcomes")
      // Renal response is read at week52; move the visits there and compare.
      try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'cross-check', true)")
        try tx.query(
          "UPDATE registry.assessment SET visit_code = 'week52' WHERE visit_code = 'week24'")
      }
      let again = try ReportService(f.registry).cohort(q)
      for e in try #require(again.groups.first { $0.group == "PAN" }).endpoints {
        if case .proportion(let p) = e, p.kind == "renal_response" { renal = p }
      }
      #expect(renal?.responders == expectedRenal)
      #expect(renal?.complete == expectedComplete)
      #expect(expectedRenal > 5 && expectedRenal < patients - 5)
    }
  }
}
