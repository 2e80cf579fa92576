import RegistryDomain
import RegistryStore

/// The cohort report use case (SPEC §6).
public struct ReportService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// What to report.
  public struct CohortQuery: Sendable {
    /// Protocol code (its latest loaded version defines the endpoints).
    public var protocolCode: String
    /// Grouping.
    public var groupBy: CohortGrouping = .arm
    /// Restrict to one site.
    public var site: String?
    /// Cut-off date (default today).
    public var asOf: CalendarDate = .today()
    /// Survival interval method.
    public var ciMethod: SurvivalCIMethod = .loglog
    /// Suppress counts 1…minCell−1 (0: none).
    public var minCell = 0
    /// Leave out the patients of synthetic cohorts (`demo seed`).
    public var excludeSynthetic = false

    /// A query for a protocol with the defaults.
    public init(protocolCode: String) { self.protocolCode = protocolCode }
  }

  /// Computes the cohort report; unknown protocol or site is `.notFound` (exit 66).
  ///
  /// One READ ONLY, REPEATABLE READ transaction that writes nothing (no temporary table):
  /// the report also runs against a hot standby.
  public func cohort(_ query: CohortQuery) throws -> CohortReport {
    guard query.minCell >= 0 else {
      throw RegistryError.refused("min_cell", "must be 0 or more, got \(query.minCell)")
    }
    let store = try database.open()
    let (trial, data) = try store.transaction(isolation: .repeatableRead, readOnly: true) {
      // Aggregates over a large registry sort and hash in memory rather than on disk.
      try store.setLocal("work_mem", "64MB")
      // No JIT compilation: the report's one statement has some 300 expressions, whose
      // compilation (about 0.5 s on the 100,000-patient bench registry) costs more than it
      // saves on a statement that reads one row per patient (docs/PERFORMANCE.md).
      try store.setLocal("jit", "off")
      guard let record = try ProtocolRepository(store).find(code: query.protocolCode) else {
        throw RegistryError.notFound("protocol", "no protocol \(query.protocolCode) is loaded")
      }
      if let site = query.site, try SiteRepository(store).find(code: site) == nil {
        throw RegistryError.notFound("site", "no site \(site)")
      }
      let data = try CohortReportRepository(store).aggregates(
        trial: record.trial, asOf: query.asOf, site: query.site, groupBy: query.groupBy,
        excludeSynthetic: query.excludeSynthetic)
      return (record.trial, data)
    }
    var builder = CohortReportBuilder(
      trial: trial, asOf: query.asOf, groupBy: query.groupBy, ciMethod: query.ciMethod,
      minCell: query.minCell, site: query.site)
    builder.excludeSynthetic = query.excludeSynthetic
    return try builder.build(data)
  }

  /// Each patient's status in a responder endpoint (SRI-4 or renal response) as the cohort
  /// report's SQL classifies it: study ID → status, and for renal response whether the response
  /// is complete. For audit of a report's counts and for the tests that hold the SQL against
  /// the domain's `SRI4.status` and `RenalResponse.status`.
  ///
  /// - Throws: `.notFound` for an unknown protocol or endpoint (or one that is not a responder
  ///   endpoint).
  public func responderStatuses(protocolCode: String, endpointCode: String, asOf: CalendarDate)
    throws -> [String: (status: ResponderStatus, complete: Bool)]
  {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead, readOnly: true) {
      guard let record = try ProtocolRepository(store).find(code: protocolCode) else {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      return try CohortReportRepository(store).responderStatuses(
        trial: record.trial, endpointCode: endpointCode, asOf: asOf)
    }
  }
}
