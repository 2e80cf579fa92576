import Foundation
import RegistryDomain
import RegistrySeed
import RegistryStore

/// Synthetic cohorts for demonstrations and benchmarks (`mscreg demo seed`).
public struct SeedService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// What a seed did.
  public struct Result: Sendable, Codable {
    /// Protocol code and version seeded.
    public let protocolCode: String
    /// Protocol version.
    public let protocolVersion: Int
    /// Enrolled patients written.
    public let patients: Int
    /// Sites used.
    public let sites: [String]
    /// The seed.
    public let seed: UInt64
    /// The cohort's as-of date.
    public let asOf: CalendarDate
    /// Rows per table, in the order written.
    public let counts: SeedCounts
    /// Wall-clock seconds from connecting to commit.
    public let seconds: Double

    /// Rows written per second (all tables).
    public var rowsPerSecond: Double { seconds > 0 ? Double(counts.total) / seconds : 0 }

    enum CodingKeys: String, CodingKey {
      case patients, sites, seed, counts, seconds
      case protocolCode = "protocol"
      case protocolVersion = "protocol_version"
      case asOf = "as_of"
    }
  }

  /// Generates the cohort a seed would write and counts its rows, writing nothing (to time
  /// the generator alone). Same refusals as `seed`, except that patients may exist.
  public func dryRun(
    protocolCode: String, patients: Int, seed: UInt64, asOf: CalendarDate? = nil,
    sites: [String]? = nil, today: CalendarDate = .today()
  ) throws -> Result {
    let asOf = asOf ?? today
    let store = try database.open()
    let (trial, chosen) = try store.read {
      guard let record = try ProtocolRepository(store).find(code: protocolCode) else {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      let known = try SiteRepository(store).all().map(\.code)
      let chosen = sites ?? known
      if let unknown = chosen.first(where: { !known.contains($0) }) {
        throw RegistryError.notFound("sites", "no site \(unknown)")
      }
      return (record.trial, chosen)
    }
    let started = Date()
    let cohort = try CohortGenerator(
      protocol: trial, patients: patients, seed: seed, asOf: asOf, sites: chosen)
    var rows = [Int](repeating: 0, count: 9)
    cohort.forEachPatient { p in
      rows[0] += 1
      rows[1] += p.screenFailures.count + 1
      rows[2] += p.infusions.count
      rows[3] += cohort.assessments(of: p).count
      rows[4] += p.adverseEvents.count
      rows[5] += p.clinicalEvents.count
    }
    let names = [
      "registry.patient", "registry.screening", "registry.infusion", "registry.assessment",
      "registry.adverse_event", "registry.clinical_event",
    ]
    var counts = SeedCounts(tables: [
      SeedCounts.Table(table: "registry.msc_lot", rows: cohort.lots.count)
    ])
    for (i, name) in names.enumerated() {
      counts.tables.append(SeedCounts.Table(table: name, rows: rows[i]))
      if i == 0 {
        for other in ["identity.patient_identity", "registry.consent", "registry.allocation"] {
          counts.tables.append(SeedCounts.Table(table: other, rows: rows[0]))
        }
      }
    }
    return Result(
      protocolCode: trial.code, protocolVersion: trial.version, patients: patients, sites: chosen,
      seed: seed, asOf: asOf, counts: counts, seconds: Date().timeIntervalSince(started))
  }

  /// Seeds `patients` synthetic patients into a protocol (its latest version), in one
  /// transaction: a failure leaves nothing.
  ///
  /// The cohort continues the protocol's numbering: study IDs after each site's last number and
  /// allocations at the next positions of the seeded block sequences, and the counters are
  /// left so that real enrollments continue after it. Refused (exit 65): an as-of date in the
  /// future, more patients than the sites' remaining study IDs, lot numbers that exist (a
  /// second seed of one protocol with the same seed), a protocol that holds real (unmarked)
  /// patients unless `force`. Unknown protocol or site: exit 66. Every patient and screening
  /// row written is marked synthetic.
  ///
  /// - Parameters:
  ///   - sites: site codes to enroll at; nil means every site of the registry.
  ///   - force: seed even when the protocol holds real patients.
  ///   - progress: called as rows are written (see `SeedRepository.write`).
  public func seed(
    protocolCode: String, patients: Int, seed: UInt64, asOf: CalendarDate? = nil,
    sites: [String]? = nil, today: CalendarDate = .today(), force: Bool = false,
    progress: (SeedProgress) throws -> Void = { _ in }
  ) throws -> Result {
    let asOf = asOf ?? today
    guard asOf <= today else {
      throw RegistryError.refused("as_of", "\(asOf) is in the future (today is \(today))")
    }
    guard patients >= 1 else {
      throw RegistryError.refused("patients", "must be at least 1 (got \(patients))")
    }
    let started = Date()
    let store = try database.open()
    let result: (TrialProtocol, [String], SeedCounts) = try store.transaction(
      reason: "demo seed: synthetic cohort (seed \(seed))"
    ) {
      guard let record = try ProtocolRepository(store).find(code: protocolCode) else {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      let known = try SiteRepository(store).all().map(\.code)
      let chosen = sites ?? known
      if let unknown = chosen.first(where: { !known.contains($0) }) {
        throw RegistryError.notFound("sites", "no site \(unknown)")
      }
      guard !chosen.isEmpty else {
        throw RegistryError.refused("sites", "the registry has no sites; add one with site add")
      }
      guard Set(chosen).count == chosen.count else {
        throw RegistryError.refused("sites", "a site is listed twice")
      }
      let repository = SeedRepository(store)
      try repository.lockForSeeding()
      let real = try repository.realPatients(protocolCode: record.trial.code)
      guard real == 0 || force else {
        throw RegistryError.refused(
          "protocol",
          "\(record.trial.code) holds \(real) real patient\(real == 1 ? "" : "s"); a synthetic "
            + "cohort would be mixed with them (give --force to seed it anyway)")
      }
      let cohort = try CohortGenerator(
        protocol: record.trial, patients: patients, seed: seed, asOf: asOf, sites: chosen,
        lastNumbers: try repository.lastNumbers(protocolCode: record.trial.code),
        allocated: try repository.allocated(protocolID: record.id))
      let clashes = try repository.existingLots(cohort.lots.map(\.lot.lotNumber))
      guard clashes.isEmpty else {
        throw RegistryError.conflict(
          "protocol", "lot \(clashes[0]) already exists (a synthetic lot of an earlier seed)")
      }
      let counts = try repository.write(cohort, protocolID: record.id, progress: progress)
      return (record.trial, chosen, counts)
    }
    return Result(
      protocolCode: result.0.code, protocolVersion: result.0.version, patients: patients,
      sites: result.1, seed: seed, asOf: asOf, counts: result.2,
      seconds: Date().timeIntervalSince(started))
  }
}
