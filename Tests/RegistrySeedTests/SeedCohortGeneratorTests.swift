import Foundation
import RegistryDomain
import RegistryProtocolYAML
import RegistrySeed
import Testing

/// The synthetic cohort generator, without a database: determinism, dates, survival targets.
@Suite struct SeedCohortGeneratorTests {
  static func trial(_ file: String) throws -> TrialProtocol {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("config/protocols/\(file)")
    return try TrialProtocol(yaml: String(contentsOf: url, encoding: .utf8))
  }

  static let asOf = CalendarDate(iso: "2026-11-01")!

  @Test(arguments: ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"])
  func sameSeedSameCohortOtherSeedOtherCohort(file: String) throws {
    let trial = try Self.trial(file)
    func digest(_ seed: UInt64) throws -> [String] {
      let g = try CohortGenerator(
        protocol: trial, patients: 200, seed: seed, asOf: Self.asOf, sites: ["PAN", "BOG", "GZU"])
      var lines: [String] = g.lots.map { "\($0)" }
      g.forEachPatient { p in
        lines.append("\(p)")
        lines.append(
          "\(g.assessments(of: p).map { "\($0.visit) \($0.date) \($0.measures) \($0.scores)" })")
      }
      return lines
    }
    let a = try digest(42)
    #expect(a == (try digest(42)))
    #expect(a != (try digest(43)))
  }

  @Test(arguments: ["sle-ucmsc.yaml", "aclf-bmmsc.yaml"])
  func nothingAfterAsOfAndRulesHold(file: String) throws {
    let trial = try Self.trial(file)
    let g = try CohortGenerator(
      protocol: trial, patients: 2000, seed: 7, asOf: Self.asOf, sites: ["PAN", "BOG"])
    let plan = trial.treatment
    g.forEachPatient { p in
      var dates: [CalendarDate] = [p.enrolledOn, p.consent.signedOn] + p.infusions.map(\.date)
      dates += p.adverseEvents.flatMap { [$0.onset] + ($0.resolved.map { [$0] } ?? []) }
      dates += p.clinicalEvents.map(\.date) + p.visits.map(\.date)
      dates += p.screenFailures.map(\.date) + (p.statusOn.map { [$0] } ?? [])
      #expect(dates.allSatisfy { $0 <= Self.asOf }, "\(p.studyID)")
      #expect(p.infusions.count <= plan.maxInfusions)
      #expect(p.arm.receivesMSC || p.infusions.isEmpty)
      for (a, b) in zip(p.infusions, p.infusions.dropFirst()) {
        #expect(a.date.days(until: b.date) >= plan.minDaysBetweenInfusions)
      }
      for i in p.infusions {
        #expect(plan.dosePerKg.contains(i.dosePerKg))
        #expect((45...95).contains(i.weightKg))
        let lot = g.lots[i.lotIndex]
        #expect(
          lot.lot.status == .released && lot.statusOn! <= i.date && i.date <= lot.lot.expiresOn)
      }
      #expect(p.screenFailures.allSatisfy { !$0.failedCriteria.isEmpty })
      let grade5 = p.adverseEvents.filter { $0.grade == .death }
      #expect(grade5.count == (p.status == .died ? 1 : 0))
      #expect(grade5.allSatisfy { $0.serious == .death })
    }
  }

  /// Kaplan–Meier of the generated events reproduces the targets (Lin 2017 for ACLF).
  @Test func aclfSurvivalAt24WeeksMatchesLin2017() throws {
    let trial = try Self.trial("aclf-bmmsc.yaml")
    let g = try CohortGenerator(
      protocol: trial, patients: 20_000, seed: 3, asOf: Self.asOf,
      sites: ["PAN", "BOG", "GZU"])
    var observations: [String: [SurvivalObservation]] = [:]
    g.forEachPatient { p in
      let event = p.clinicalEvents.first { $0.kind == .death || $0.kind == .liverTransplant }
      let end =
        event?.date ?? p.clinicalEvents.first?.date ?? p.statusOn.flatMap {
          p.status == .withdrawn ? $0 : nil
        } ?? Self.asOf
      observations[p.arm.code, default: []].append(
        SurvivalObservation(time: Double(p.enrolledOn.days(until: end)), event: event != nil))
    }
    func survival(_ arm: String) throws -> Double {
      let estimate = try KaplanMeierEstimate(observations[arm]!)
      let atDay168 = estimate.survival(at: 168)
      #expect(atDay168 != nil, "no survival estimate at day 168 in arm \(arm)")
      return atDay168 ?? .nan
    }
    #expect(abs(try survival("msc") - 0.732) < 0.03)
    #expect(abs(try survival("smt") - 0.556) < 0.03)
  }

  @Test func tooManyPatientsForTheSitesIsRefused() throws {
    let trial = try Self.trial("sle-ucmsc.yaml")
    #expect(throws: RegistryError.self) {
      try CohortGenerator(
        protocol: trial, patients: 20_000, seed: 1, asOf: Self.asOf, sites: ["PAN"])
    }
  }
}
