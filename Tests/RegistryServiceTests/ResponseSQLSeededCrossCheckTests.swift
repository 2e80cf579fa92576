import Foundation
import RegistryDomain
import RegistrySeed
import RegistryService
import TestSupport
import Testing

/// The report's responder SQL against the domain's rules on seeded cohorts: RegistrySeed's
/// generator writes a cohort (`SeedService`), the report classifies every patient
/// (`responderStatuses`, the SQL of the report's counts), and the domain classifies the same
/// patients from the generator's own records (`SRI4.status`, `RenalResponse.status`) — at the
/// seed's date and at two earlier cut-offs (windows still open, visits not yet recorded). Every
/// responder endpoint of both example protocols, several seeds; read as a monitor.
@Suite(.blocking) struct ResponseSQLSeededCrossCheckTests {
  static let asOf = CalendarDate(iso: "2026-10-01")!
  static let cases: [(code: String, seed: UInt64)] = [
    ("SLE-UCMSC", 3), ("SLE-UCMSC", 29), ("SLE-UCMSC", 2_026), ("ACLF-BMMSC", 7),
  ]

  @Test(arguments: 0..<cases.count)
  func seededStatusesEqualTheDomainsPatientByPatient(index: Int) throws {
    let (code, seed) = Self.cases[index]
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let monitor = db.userName("mon")
      _ = try UserService(f.registry).add(name: monitor, role: .monitor, sites: [])
      let service = ReportService(RegistryDatabase(conninfo: try db.conninfo(asUser: monitor)))
      let trial = try ProtocolService(f.registry).show(code: code).trial
      let endpoints = trial.endpoints.filter { $0.kind == .sri4 || $0.kind == .renalResponse }
      // The liver protocol has no responder endpoint: the report refuses to classify one.
      if code == "ACLF-BMMSC" {
        #expect(endpoints.isEmpty)
        #expect(throws: RegistryError.self) {
          try service.responderStatuses(
            protocolCode: code, endpointCode: "meld_w4", asOf: Self.asOf)
        }
        return
      }
      #expect(!endpoints.isEmpty)
      let result = try SeedService(f.registry).seed(
        protocolCode: code, patients: 160, seed: seed, asOf: Self.asOf)
      // The same generator, the same arguments: the cohort that was written.
      let cohort = try CohortGenerator(
        protocol: trial, patients: 160, seed: seed, asOf: Self.asOf, sites: result.sites)
      guard let baselineCode = trial.baselineVisit?.code else {
        Issue.record("\(code) has no baseline visit")
        return
      }
      var seen: [String: Set<ResponderStatus>] = [:]
      var compared = 0
      for asOf in [Self.asOf, Self.asOf.adding(days: -200), Self.asOf.adding(days: -400)] {
        for endpoint in endpoints {
          let visit = try #require(endpoint.visit.flatMap(trial.visit(code:)))
          let sql = try service.responderStatuses(
            protocolCode: code, endpointCode: endpoint.code, asOf: asOf)
          var ids: Set<String> = []
          var expected: [ResponderStatus: Int] = [:]
          var expectedComplete = 0
          try cohort.forEachPatient { p in
            guard p.enrolledOn <= asOf else { return }
            ids.insert(p.studyID)
            let recorded = cohort.assessments(of: p).filter { $0.date <= asOf }
            let baseline = recorded.first { $0.visit == baselineCode }
            let followUp = recorded.first { $0.visit == visit.code }
            let lastDay = p.enrolledOn.adding(days: visit.window.lastDay)
            let closed = lastDay < asOf
            let status: ResponderStatus
            var complete = false
            if endpoint.kind == .sri4 {
              func sri4(_ a: SyntheticAssessment?) throws -> SRI4.Visit? {
                try a.map {
                  try SRI4.Visit(
                    sledai2kScore: try #require($0.scores.sledai2k), pga: $0.measures.pga,
                    bilag: $0.measures.bilag)
                }
              }
              let died = p.clinicalEvents.contains {
                $0.kind == .death && $0.date <= asOf && $0.date <= lastDay
              }
              status = SRI4.status(
                baseline: try sri4(baseline), followUp: try sri4(followUp),
                diedBeforeWindowCloses: died, windowClosed: closed)
            } else {
              let b = baseline?.measures
              let v = followUp?.measures
              status = RenalResponse.status(
                baselineUPCR: b?.upcr, baselineCreatinine: b?.creatinine, upcr: v?.upcr,
                creatinine: v?.creatinine, visitRecorded: followUp != nil, windowClosed: closed,
                populationUPCRMin: endpoint.renalPopulationUPCRMin)
              complete =
                status == .responder
                && RenalResponse(
                  baselineUPCR: b?.upcr, baselineCreatinine: b?.creatinine, upcr: v?.upcr,
                  creatinine: v?.creatinine, populationUPCRMin: endpoint.renalPopulationUPCRMin
                ).category == .complete
            }
            let got = try #require(sql[p.studyID], "\(p.studyID) missing from the SQL's cohort")
            #expect(
              got.status == status,
              "seed \(seed), \(endpoint.code) as of \(asOf), \(p.studyID): SQL \(got.status), domain \(status); baseline \(String(describing: baseline?.measures)), visit \(String(describing: followUp?.measures))"
            )
            if endpoint.kind == .renalResponse {
              #expect(got.complete == complete, "\(p.studyID) as of \(asOf)")
            }
            seen[endpoint.code, default: []].insert(status)
            expected[status, default: 0] += 1
            if complete { expectedComplete += 1 }
            compared += 1
          }
          #expect(Set(sql.keys) == ids, "\(endpoint.code) as of \(asOf)")
          // The report's counts, summed over its groups, are the sums of the same statuses.
          var query = ReportService.CohortQuery(protocolCode: code)
          query.asOf = asOf
          let report = try service.cohort(query)
          let counts = try report.groups.map { try $0.proportion(endpoint.code) }
          // Nothing is suppressed (no minimum cell): every count of every group is given.
          func total(_ count: KeyPath<EndpointResult.Proportion, Int?>) throws -> Int {
            try counts.reduce(0) { $0 + (try #require($1[keyPath: count])) }
          }
          let population = [ResponderStatus.responder, .nonResponder, .missing].reduce(0) {
            $0 + (expected[$1] ?? 0)
          }
          #expect(try total(\.responders) == expected[.responder] ?? 0)
          #expect(try total(\.missing) == expected[.missing] ?? 0)
          if endpoint.kind == .renalResponse {
            #expect(try total(\.population) == population)
            #expect(try total(\.complete) == expectedComplete)
          } else {
            #expect(try total(\.patients) == population)
          }
        }
      }
      #expect(compared > 300)
      // A seeded cohort has responders and non-responders in each endpoint.
      for endpoint in endpoints {
        #expect(seen[endpoint.code]?.isSuperset(of: [.responder, .nonResponder]) == true)
      }
    }
  }
}
