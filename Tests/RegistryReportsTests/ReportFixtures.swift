import Foundation
import RegistryDomain
import RegistryProtocolYAML

/// Cohort reports built by hand (through `CohortReportBuilder` from made-up aggregates) for
/// the renderer tests: plausible numbers, deterministic.
enum ReportFixtures {
  /// The repository's root folder.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// An example protocol from `config/protocols`.
  static func trial(_ name: String) throws -> TrialProtocol {
    let url = root.appendingPathComponent("config/protocols/\(name).yaml")
    return try TrialProtocol(yaml: String(contentsOf: url, encoding: .utf8))
  }

  /// A small deterministic generator (SplitMix64).
  struct Generator {
    var state: UInt64
    mutating func next() -> Double {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return Double(z >> 11) / Double(1 << 53)
    }
  }

  /// Survival counts for `patients` with a constant daily hazard, censored uniformly between
  /// `followUp.lowerBound` and `followUp.upperBound` days.
  static func survivalCounts(
    patients: Int, hazard: Double, followUp: ClosedRange<Double>, seed: UInt64
  ) -> [CohortAggregates.SurvivalCount] {
    var g = Generator(state: seed)
    var tally: [String: Int] = [:]
    for _ in 0..<patients {
      let eventDay = -log(1 - g.next()) / hazard
      let censorDay = followUp.lowerBound + g.next() * (followUp.upperBound - followUp.lowerBound)
      let event = eventDay <= censorDay
      let day = Int((event ? eventDay : censorDay).rounded(.down))
      tally["\(day) \(event)", default: 0] += 1
    }
    return tally.map { key, n in
      let parts = key.split(separator: " ")
      return .init(day: Int(parts[0])!, event: parts[1] == "true", patients: n)
    }.sorted { ($0.day, $0.event ? 0 : 1) < ($1.day, $1.event ? 0 : 1) }
  }

  /// The liver-failure trial by arm: MSC against standard medical therapy.
  static func aclf(minCell: Int = 0, extraGroups: [String] = []) throws -> CohortReport {
    let trial = try trial("aclf-bmmsc")
    var data = CohortAggregates()
    let arms: [(String, Int, Double, Double)] =
      [("msc", 56, 0.0011, -3.1), ("smt", 54, 0.0021, -1.2)]
      + extraGroups.map { ($0, 3, 0.002, -2.0) }
    for (i, (arm, n, hazard, meanChange)) in arms.enumerated() {
      data.groupOrder.append(arm)
      var c = CohortAggregates.GroupCounts()
      c.enrolled = n
      c.treated = arm == "smt" ? 0 : n
      c.withdrawn = arm == "msc" ? 2 : 3
      let counts = survivalCounts(
        patients: n, hazard: hazard, followUp: 120...400, seed: UInt64(11 + i))
      c.died = counts.filter(\.event).reduce(0) { $0 + $1.patients } * 3 / 4
      c.transplanted = counts.filter(\.event).reduce(0) { $0 + $1.patients } - c.died
      data.counts[arm] = c
      data.survival["tfs", default: [:]][arm] = counts
      if arm == "msc" { data.armSurvival["tfs", default: .init()].treated = counts }
      if arm == "smt" { data.armSurvival["tfs", default: .init()].control = counts }
      data.changes["meld_w4", default: [:]][arm] = .init(n: n - 6, mean: meanChange, sd: 4.2)
      data.changes["meld_w24", default: [:]][arm] = .init(
        n: n - 14, mean: meanChange * 1.4, sd: 5.0)
      var ae = CohortAggregates.AECounts()
      ae.worstGrade = [1: n / 6, 2: n / 10, 3: n / 14, 4: arm == "msc" ? 1 : 3, 5: i == 0 ? 1 : 2]
      ae.patientsAny = ae.worstGrade.values.reduce(0, +)
      ae.patientsSerious =
        (ae.worstGrade[3] ?? 0) + (ae.worstGrade[4] ?? 0) + (ae.worstGrade[5] ?? 0)
      ae.related.patients = arm == "msc" ? 9 : 0
      ae.related.patientsSerious = arm == "msc" ? 2 : 0
      ae.related.events = arm == "msc" ? 12 : 0
      ae.related.eventsSerious = arm == "msc" ? 2 : 0
      ae.unrelated.patients = n / 4
      ae.unrelated.patientsSerious = n / 10
      ae.unrelated.events = n / 3
      ae.unrelated.eventsSerious = n / 9
      data.adverseEvents[arm] = ae
      data.flow.allocated[arm] = n
    }
    data.flow.enrolled = arms.reduce(0) { $0 + $1.1 }
    data.flow.screenFailed = 21
    data.flow.screened = data.flow.enrolled + 21
    data.flow.failures = ["meld": 12, "age_years": 6, "consent": 3]
    data.flow.treated = 56
    data.flow.withdrawn = 5
    return try CohortReportBuilder(
      trial: trial, asOf: CalendarDate(iso: "2026-11-21")!, groupBy: .arm, ciMethod: .loglog,
      minCell: minCell, site: nil
    ).build(data)
  }

  /// The SLE trial by site: every endpoint kind, one tiny site, optionally a hostile label.
  static func sle(minCell: Int = 0, hostileLabel: String? = nil) throws -> CohortReport {
    let trial = try trial("sle-ucmsc")
    var data = CohortAggregates()
    var sites: [(String, Int)] = [("BJ01", 48), ("SH02", 35), ("GZ03", 3)]
    if let hostileLabel { sites.append((hostileLabel, 12)) }
    for (i, (site, n)) in sites.enumerated() {
      data.groupOrder.append(site)
      var c = CohortAggregates.GroupCounts()
      c.enrolled = n
      c.treated = n - n / 8
      c.withdrawn = n / 12
      data.survival["survival", default: [:]][site] = survivalCounts(
        patients: n, hazard: 0.0009, followUp: 150...420, seed: UInt64(100 + i))
      c.died = data.survival["survival"]![site]!.filter(\.event).reduce(0) { $0 + $1.patients }
      data.counts[site] = c
      var sri = CohortAggregates.ProportionCounts()
      sri.patients = n
      sri.population = n
      sri.responders = n * (5 + i) / 12
      sri.missing = n / 9
      data.proportions["sri4_w24", default: [:]][site] = sri
      var renal = CohortAggregates.ProportionCounts()
      renal.patients = n
      renal.population = n - n / 5
      renal.complete = n / 4
      renal.partial = n / 6
      renal.responders = renal.complete + renal.partial
      renal.missing = n / 7
      data.proportions["renal_w52", default: [:]][site] = renal
      data.changes["sledai_w24", default: [:]][site] = .init(
        n: max(0, n - 5), mean: n > 5 ? -4.5 + Double(i) : nil, sd: n > 6 ? 3.8 : nil)
      var ae = CohortAggregates.AECounts()
      ae.worstGrade = [1: n / 4, 2: n / 6, 3: n / 12]
      ae.patientsAny = ae.worstGrade.values.reduce(0, +)
      ae.patientsSerious = n / 12
      data.adverseEvents[site] = ae
    }
    data.flow.enrolled = sites.reduce(0) { $0 + $1.1 }
    data.flow.screenFailed = 27
    data.flow.screened = data.flow.enrolled + 27
    data.flow.failures = ["sledai_2k": 14, "eular_acr_2019": 9, "age_years": 3, "consent": 2]
    data.flow.allocated = [
      "msc": data.flow.enrolled / 2, "control": data.flow.enrolled - data.flow.enrolled / 2,
    ]
    data.flow.treated = data.flow.enrolled / 2
    data.flow.withdrawn = 6
    return try CohortReportBuilder(
      trial: trial, asOf: CalendarDate(iso: "2026-11-21")!, groupBy: .site, ciMethod: .plain,
      minCell: minCell, site: nil
    ).build(data)
  }
}
