import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// The cohort report classifies SRI-4 and renal responders in SQL; the domain defines them in
/// `SRI4.status` and `RenalResponse.status`. On random visits (edges included: PGA +0.3, UPCR
/// halved, baseline UPCR at and below 0.5 g/g, creatinine at 1.15 × baseline, missing values,
/// BILAG at the visit without baseline, missing visits, deaths before and after the window
/// closes) the two must agree patient by patient, at a cut-off inside the week-24 window and
/// at one after every window, and the report's counts must be the sums of those statuses. The
/// report is read as a monitor, the role that reads it.
@Suite(.blocking) struct ResponseSQLCrossCheckTests {
  struct Visit {
    var sledai: Int
    var pga: Double?
    var bilag: [String: String]?
    var upcr: Double?
    var creatinine: Double?
  }

  @Test func sqlStatusesEqualTheDomainsPatientByPatient() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let monitor = db.userName("mon")
      _ = try UserService(f.registry).add(name: monitor, role: .monitor, sites: [])
      let asMonitor = RegistryDatabase(conninfo: try db.conninfo(asUser: monitor))
      let enroll = EnrollmentService(f.registry)
      var rng = SplitMix64(seed: 20_261_202)
      func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
      let grades = ["A", "B", "C", "D", "E"]
      let domains = ["renal", "mucocutaneous", "musculoskeletal", "hematological"]
      func bilag() -> [String: String]? {
        pick([true, true, false])
          ? Dictionary(uniqueKeysWithValues: domains.map { ($0, pick(grades)) }) : nil
      }
      let bilagJSON = { (g: [String: String]?) -> PostgresJSON? in
        try? g.map { try PostgresJSON(encoding: $0) }
      }
      func bilagValue(_ g: [String: String]?) throws -> BILAG2004? {
        try g.map {
          try BILAG2004(parsing: $0.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        }
      }
      func sri4Visit(_ v: Visit?) throws -> SRI4.Visit? {
        try v.map {
          try SRI4.Visit(
            sledai2kScore: $0.sledai, pga: try $0.pga.map(PhysicianGlobalAssessment.init),
            bilag: try bilagValue($0.bilag))
        }
      }
      let c = try db.connect()
      let enrolled = CalendarDate(iso: "2025-06-01")!
      struct Patient {
        var id: String
        var baseline: Visit
        var week24: Visit?
        var week52: Visit?
        var death: CalendarDate?
      }
      var patients: [Patient] = []
      for i in 0..<140 {
        let id = try enroll.enroll(
          RegistryFixture.sleCandidate(
            mrn: "X-\(i)", enrolledOn: "2025-06-01", consentDate: "2025-05-20")
        ).studyID
        let b = Visit(
          sledai: pick([4, 8, 10, 12, 16]), pga: pick([1.0, 1.5, 2.0, 2.5] as [Double?] + [nil]),
          bilag: bilag(), upcr: pick([0.0, 0.4, 0.5, 0.8, 1.0, 2.0, 4.0] as [Double?] + [nil]),
          creatinine: pick([0.8, 1.0, 1.2, 2.0] as [Double?] + [nil]))
        func followUp() -> Visit? {
          guard pick([true, true, true, true, false]) else { return nil }
          return Visit(
            sledai: pick([0, 4, 6, 8, 12]),
            pga: b.pga.map { $0 + pick([-0.5, 0.0, 0.2, 0.3, 0.5]) }.map { min(max($0, 0), 3) },
            bilag: bilag(),
            upcr: pick([0.3, 0.49, 0.5, 0.4, 1.0, 1.5, 2.9, 3.0] as [Double?] + [nil]),
            creatinine: b.creatinine.map { $0 * pick([0.5, 0.85, 1.0, 1.15, 1.16, 1.3, 2.0]) }
              ?? pick([1.0, nil]))
        }
        let p = Patient(
          id: id, baseline: b, week24: followUp(), week52: followUp(),
          death: pick(
            [nil, nil, nil, nil, "2025-10-01", "2025-11-30", "2025-12-01", "2026-06-28"]
          ).flatMap { CalendarDate(iso: $0) })
        try c.transaction { tx in
          try tx.query("SELECT set_config('mscreg.reason', 'cross-check', true)")
          try tx.query(
            """
            UPDATE registry.assessment SET sledai_2k = $2, pga = $3, bilag = $4, upcr = $5, creatinine = $6
            WHERE study_id = $1 AND visit_code = 'baseline'
            """, [id, b.sledai, b.pga, bilagJSON(b.bilag), b.upcr, b.creatinine])
          for (code, date, v) in [
            ("week24", "2025-11-16", p.week24), ("week52", "2026-05-31", p.week52),
          ] {
            guard let v else { continue }
            try tx.query(
              """
              INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_2k, pga, bilag, upcr, creatinine, engine_version)
              VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, 'cross-check')
              """,
              [id, code, date, v.sledai, v.pga, bilagJSON(v.bilag), v.upcr, v.creatinine])
          }
          if let death = p.death {
            try tx.query(
              "INSERT INTO registry.clinical_event (study_id, kind, occurred_on) VALUES ($1, 'death', $2)",
              [id, death])
          }
        }
        patients.append(p)
      }
      let trial = try ProtocolService(f.registry).show(code: "SLE-UCMSC").trial
      let service = ReportService(asMonitor)
      var seen: [String: Set<ResponderStatus>] = ["sri4_w24": [], "renal_w52": []]
      for asOf in ["2025-11-20", "2026-07-15"].map({ CalendarDate(iso: $0)! }) {
        for endpoint in trial.endpoints
        where endpoint.kind == .sri4 || endpoint.kind == .renalResponse {
          let visit = try #require(endpoint.visit.flatMap(trial.visit(code:)))
          let closed = enrolled.adding(days: visit.window.lastDay) < asOf
          let sql = try service.responderStatuses(
            protocolCode: "SLE-UCMSC", endpointCode: endpoint.code, asOf: asOf)
          #expect(sql.count == patients.count)
          var expected: [ResponderStatus: Int] = [:]
          var expectedComplete = 0
          for p in patients {
            let followUp = visit.code == "week24" ? p.week24 : p.week52
            let recordedOn = CalendarDate(
              iso: visit.code == "week24" ? "2025-11-16" : "2026-05-31")!
            let recorded = followUp != nil && recordedOn <= asOf
            let status: ResponderStatus
            var complete = false
            if endpoint.kind == .sri4 {
              let died =
                p.death.map { $0 <= asOf && $0 <= enrolled.adding(days: visit.window.lastDay) }
                ?? false
              status = SRI4.status(
                baseline: try sri4Visit(p.baseline),
                followUp: recorded ? try sri4Visit(followUp) : nil,
                diedBeforeWindowCloses: died, windowClosed: closed)
            } else {
              let args = (
                u0: try p.baseline.upcr.map { try UPCR($0) },
                c0: try p.baseline.creatinine.map { try Creatinine($0) },
                u: try followUp?.upcr.map { try UPCR($0) },
                c: try followUp?.creatinine.map { try Creatinine($0) }
              )
              status = RenalResponse.status(
                baselineUPCR: args.u0, baselineCreatinine: args.c0, upcr: args.u,
                creatinine: args.c,
                visitRecorded: recorded, windowClosed: closed,
                populationUPCRMin: endpoint.renalPopulationUPCRMin)
              complete =
                status == .responder
                && RenalResponse(
                  baselineUPCR: args.u0, baselineCreatinine: args.c0, upcr: args.u,
                  creatinine: args.c
                ).category == .complete
            }
            let got = try #require(sql[p.id])
            #expect(
              got.status == status,
              "\(endpoint.code) as of \(asOf), \(p.id): SQL \(got.status), domain \(status); baseline \(p.baseline), visit \(String(describing: followUp)), death \(String(describing: p.death))"
            )
            if endpoint.kind == .renalResponse { #expect(got.complete == complete, "\(p.id)") }
            expected[status, default: 0] += 1
            if complete { expectedComplete += 1 }
            seen[endpoint.code, default: []].insert(status)
          }
          // The report's counts are the sums of the same statuses.
          var q = ReportService.CohortQuery(protocolCode: "SLE-UCMSC")
          q.groupBy = .site
          q.asOf = asOf
          let report = try service.cohort(q)
          let pan = try #require(report.groups.first { $0.group == "PAN" })
          let result = try pan.proportion(endpoint.code)
          let population =
            (expected[.responder] ?? 0) + (expected[.nonResponder] ?? 0) + (expected[.missing] ?? 0)
          #expect(result.responders == expected[.responder] ?? 0)
          #expect(result.missing == expected[.missing] ?? 0)
          if endpoint.kind == .renalResponse {
            #expect(result.population == population)
            #expect(result.complete == expectedComplete)
            #expect(result.partial == (expected[.responder] ?? 0) - expectedComplete)
          } else {
            #expect(result.patients == population)
          }
        }
      }
      // The sample exercises every status of both endpoints.
      #expect(seen["sri4_w24"] == [.responder, .nonResponder, .missing, .notDue])
      #expect(
        seen["renal_w52"] == [.responder, .nonResponder, .missing, .notDue, .outsidePopulation])
    }
  }
}
