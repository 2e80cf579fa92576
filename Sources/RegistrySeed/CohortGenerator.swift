import Foundation
import RegistryDomain

/// A deterministic synthetic cohort for one protocol: patients enrolled over the two years
/// before `asOf` at the given sites, with everything a real trial records (screening, consent,
/// allocation, MSC lots and infusions, assessments, adverse events, survival events).
///
/// Pure and reproducible: the same protocol, size, seed, date and sites give the same values,
/// byte for byte, on every machine (all draws come from `SplitMix64`). Each patient has its own
/// random streams, so `patient(at:)` and `assessments(of:)` can be called in any order and any
/// number of times (a writer can regenerate the cohort once per table instead of holding it).
///
/// What holds for every value (the rules of SPEC §4):
/// - study IDs are gapless per site from 1, in enrollment order; arms follow the protocol's
///   stratified permuted blocks (`BlockRandomizer.sequence`), position by position;
/// - ages and baseline measures meet the eligibility criteria (checked with
///   `EnrollmentRequest.failedCriteria`), screen failures fail at least one, with the same
///   criterion strings;
/// - infusions only in arms that receive MSC, from released, unexpired lots of an allowed
///   source and product meeting the release criteria, dose per kg within range, at most
///   `maxInfusions`, at least `minDaysBetweenInfusions` apart;
/// - assessments inside their visit windows, scored by the real engine;
/// - nothing dated after `asOf`, nothing after death, withdrawal or loss to follow-up except
///   what SPEC allows (the death of a withdrawn patient is not generated).
public struct CohortGenerator: Sendable {
  /// The protocol.
  public let trial: TrialProtocol
  /// Number of enrolled patients.
  public let count: Int
  /// The seed.
  public let seed: UInt64
  /// Last date of the cohort: nothing is dated after it.
  public let asOf: CalendarDate
  /// Site codes patients are enrolled at.
  public let sites: [String]
  /// Rates and effect sizes of the protocol's condition.
  public let effects: CohortEffects
  /// Lots manufactured for the trial, by manufacture date.
  public let lots: [SyntheticLot]

  /// Days before `asOf` over which enrollment is spread.
  public static let enrollmentSpanDays = 730
  /// Largest study-ID number at one site (`NNNN`).
  public static let maxNumberPerSite = 9999

  // Per patient, in enrollment order (compact: 100,000 patients take ~2 MB).
  let enrollmentDay: [Int32]
  let siteIndex: [UInt16]
  let number: [Int32]
  let position: [Int32]
  let armIndex: [UInt8]
  let strata: [String]
  let allocatedAfter: [Int]  // per stratum, the allocation counter after the cohort
  let lotRelease: [Int]  // day number each lot can first be infused, .max if never

  static let lotIntervalDays = 21
  static let lotReleaseDays = 10
  static let lotShelfLifeDays = 180

  /// Generates the cohort's skeleton (enrollment dates, sites, numbers, arms, lots).
  ///
  /// - Parameters:
  ///   - trial: the protocol (its randomizer, eligibility, treatment plan and visits are used).
  ///   - patients: enrolled patients, ≥ 0.
  ///   - seed: any value; the same seed gives the same cohort.
  ///   - asOf: the cohort's "today": enrollments fall in the 730 days before it.
  ///   - sites: site codes, at least one, each at most 9999 patients.
  ///   - lastNumbers: study-ID numbers already used per site (the cohort continues after them).
  ///   - allocated: allocations already made per randomization stratum (the cohort takes the
  ///     next positions of the same seeded sequences).
  /// - Throws: `RegistryError.refused` naming `--patients` or `--sites` when the sites cannot
  ///   hold the patients (9999 study IDs per site) or no site is given.
  public init(
    protocol trial: TrialProtocol, patients: Int, seed: UInt64, asOf: CalendarDate,
    sites: [String], lastNumbers: [String: Int] = [:], allocated: [String: Int] = [:]
  ) throws {
    guard !sites.isEmpty else {
      throw RegistryError.refused("sites", "at least one site is needed")
    }
    guard patients >= 0 else {
      throw RegistryError.refused("patients", "must be 0 or more")
    }
    let capacity = Self.maxNumberPerSite * sites.count
    guard patients <= capacity else {
      let needed = (patients + Self.maxNumberPerSite - 1) / Self.maxNumberPerSite
      throw RegistryError.refused(
        "patients",
        "\(patients) patients need at least \(needed) sites (\(Self.maxNumberPerSite) study IDs "
          + "per site); \(sites.count) given")
    }
    self.trial = trial
    self.count = patients
    self.seed = seed
    self.asOf = asOf
    self.sites = sites
    self.effects = CohortEffects.of(trial.condition)

    var rng = SeedRandom(seed: seed, index: 0, stream: 100)
    let last = asOf.dayNumber
    let first = last - Self.enrollmentSpanDays
    // Enrollment accrues faster as sites open: density rises linearly over the span.
    var days = [Int32](repeating: 0, count: patients)
    for i in 0..<patients {
      days[i] = Int32(first + Int(Double(Self.enrollmentSpanDays) * rng.uniform().squareRoot()))
    }
    days.sort()

    // Site sizes: random weights, exact counts by largest remainder, at most 9999 each.
    let weights = sites.map { _ in rng.uniform(0.5...1.5) }
    let total = weights.reduce(0, +)
    var counts = weights.map { Int(Double(patients) * $0 / total) }
    var remainders = weights.enumerated().map { ($0.offset, Double(patients) * $0.element / total) }
    remainders.sort { ($0.1 - $0.1.rounded(.down)) > ($1.1 - $1.1.rounded(.down)) }
    var short = patients - counts.reduce(0, +)
    for (i, _) in remainders where short > 0 {
      counts[i] += 1
      short -= 1
    }
    var excess = 0
    for i in counts.indices where counts[i] > Self.maxNumberPerSite {
      excess += counts[i] - Self.maxNumberPerSite
      counts[i] = Self.maxNumberPerSite
    }
    for i in counts.indices where excess > 0 {
      let room = min(Self.maxNumberPerSite - counts[i], excess)
      counts[i] += room
      excess -= room
    }
    var siteOf = [UInt16]()
    siteOf.reserveCapacity(patients)
    for (i, c) in counts.enumerated() {
      siteOf += repeatElement(UInt16(i), count: c)
    }
    var k = siteOf.count - 1
    while k > 0 {
      siteOf.swapAt(k, rng.int(0...k))
      k -= 1
    }

    // Numbers per site and positions per stratum, in enrollment order.
    var strata: [String] = []
    var stratumOfSite: [Int] = []
    for site in sites {
      let key = trial.randomization?.stratumKey(siteCode: site) ?? "*"
      if let existing = strata.firstIndex(of: key) {
        stratumOfSite.append(existing)
      } else {
        strata.append(key)
        stratumOfSite.append(strata.count - 1)
      }
    }
    var numbers = [Int32](repeating: 0, count: patients)
    var positions = [Int32](repeating: 0, count: patients)
    var nextNumber = sites.map { Int32(lastNumbers[$0] ?? 0) }
    var nextPosition = strata.map { Int32(allocated[$0] ?? 0) }
    for (i, c) in counts.enumerated() where Int(nextNumber[i]) + c > Self.maxNumberPerSite {
      throw RegistryError.refused(
        "patients",
        "site \(sites[i]) has used \(nextNumber[i]) study IDs; \(c) more would pass \(Self.maxNumberPerSite)"
      )
    }
    for i in 0..<patients {
      let s = Int(siteOf[i])
      nextNumber[s] += 1
      numbers[i] = nextNumber[s]
      positions[i] = nextPosition[stratumOfSite[s]]
      nextPosition[stratumOfSite[s]] += 1
    }
    let randomizer = trial.randomizer
    let sequences = strata.enumerated().map { j, key in
      randomizer.sequence(stratum: key, count: Int(nextPosition[j])).map { arm in
        UInt8(trial.arms.firstIndex(of: arm) ?? 0)
      }
    }
    var arms = [UInt8](repeating: 0, count: patients)
    for i in 0..<patients {
      arms[i] = sequences[stratumOfSite[Int(siteOf[i])]][Int(positions[i])]
    }
    self.enrollmentDay = days
    self.siteIndex = siteOf
    self.number = numbers
    self.position = positions
    self.armIndex = arms
    self.strata = strata
    self.allocatedAfter = nextPosition.map(Int.init)

    // Lots: one every 21 days from 60 days before the first enrollment, released after 10
    // days; every ninth fails mycoplasma and is rejected; lots not yet released by asOf
    // stay in quarantine.
    var lots: [SyntheticLot] = []
    var release: [Int] = []
    let firstLot = first - 60
    let prefix = Self.lotPrefix(trial.code, seed: seed)
    var day = firstLot
    var index = 0
    while day <= last {
      var r = SeedRandom(seed: seed, index: index, stream: 7)
      let lot = Self.lot(
        number: "\(prefix)-L" + Self.padded(index + 1, 4), manufactured: day,
        rejected: index % 9 == 8, asOf: last, plan: trial.treatment, rng: &r)
      lots.append(lot)
      release.append(lot.lot.status == .released ? lot.statusOn!.dayNumber : .max)
      day += Self.lotIntervalDays
      index += 1
    }
    self.lots = lots
    self.lotRelease = release
  }

  /// The sites' study-ID counts and the strata's allocation counts after the cohort: what
  /// `registry.study_id_counter` and `registry.allocation_counter` must hold.
  public var siteCounts: [(site: String, last: Int)] {
    var last = [Int](repeating: 0, count: sites.count)
    for i in 0..<count { last[Int(siteIndex[i])] = max(last[Int(siteIndex[i])], Int(number[i])) }
    return sites.indices.compactMap { last[$0] > 0 ? (sites[$0], last[$0]) : nil }
  }

  /// Allocations per stratum after the cohort (earlier allocations included).
  public var stratumCounts: [(stratum: String, allocated: Int)] {
    strata.indices.compactMap { allocatedAfter[$0] > 0 ? (strata[$0], allocatedAfter[$0]) : nil }
  }

  /// Calls `body` with every patient in enrollment order (generated one at a time).
  public func forEachPatient(_ body: (SyntheticPatient) throws -> Void) rethrows {
    for i in 0..<count { try body(patient(at: i)) }
  }

  static func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n)
    return digits.count >= width
      ? digits : String(repeating: "0", count: width - digits.count) + digits
  }

  /// `SYN-<code>-S<seed>`: cohorts of different seeds appended to one protocol have their
  /// own lots (at most 40 characters with the `-LNNNN` suffix).
  static func lotPrefix(_ code: String, seed: UInt64) -> String {
    let cleaned = code.uppercased().filter {
      $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-")
    }
    return "SYN-" + String(cleaned.prefix(18)) + "-S" + String(seed % 1_000_000)
  }

  static func lot(
    number: String, manufactured day: Int, rejected: Bool, asOf: Int, plan: TreatmentPlan,
    rng r: inout SeedRandom
  ) -> SyntheticLot {
    let releaseDay = day + lotReleaseDays
    let minViability = max(plan.release.minViabilityPct, 70)
    let viability = rounded(min(99.5, minViability + r.uniform(2...12)), 1)
    let passage = max(1, min(plan.release.maxPassage, r.int(2...4)))
    let status: LotStatus =
      releaseDay > asOf ? .quarantine : (rejected ? .rejected : .released)
    let markers = MarkerPanel(
      cd73: rounded(r.uniform(96...99.9), 1), cd90: rounded(r.uniform(96...99.9), 1),
      cd105: rounded(r.uniform(95.5...99.5), 1), cd45: rounded(r.uniform(0.1...1.5), 1),
      cd34: rounded(r.uniform(0.1...1.2), 1), cd14: rounded(r.uniform(0.1...1.5), 1),
      cd19: rounded(r.uniform(0.1...1.0), 1), hlaDR: rounded(r.uniform(0.1...1.8), 1))
    let lot = MSCLot(
      lotNumber: number, source: plan.allowedSources[0],
      donor: .allogeneic,
      product: plan.product, passage: passage, viabilityPct: viability, markers: markers,
      sterility: .negative, mycoplasma: rejected ? .positive : .negative,
      endotoxinEUPerML: rounded(r.uniform(0.05...0.4), 2),
      manufacturedOn: CalendarDate(dayNumber: day),
      expiresOn: CalendarDate(dayNumber: day + lotShelfLifeDays),
      status: status,
      statusReason: status == .rejected ? "mycoplasma positive on release testing" : nil)
    return SyntheticLot(
      lot: lot, statusOn: status == .quarantine ? nil : CalendarDate(dayNumber: releaseDay))
  }

  /// The released lot to infuse on `day`: the latest one released by then, unexpired.
  func lotIndex(forDay day: Int) -> Int? {
    var i = lotRelease.count - 1
    while i >= 0 {
      if lotRelease[i] <= day {
        let expiry = lots[i].lot.expiresOn.dayNumber
        return day <= expiry ? i : nil
      }
      i -= 1
    }
    return nil
  }
}
