import Foundation
import RegistryDomain
import RegistryStore

/// Enrolling patients: eligibility, consent, study IDs, randomization, screening log.
public struct EnrollmentService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Screens a candidate and, when eligible, enrolls them in one transaction.
  ///
  /// Refusals (exit 65) change nothing: unknown site or protocol (exit 66), an enrollment date
  /// in the future, an MRN already enrolled in the protocol. An ineligible candidate is written
  /// to the screening log (that row is committed) and refused with every failed criterion in
  /// `details`. An eligible one gets the next gapless study ID of the protocol and site, an
  /// arm from the stratified permuted blocks, consent, identity, allocation, a screening row
  /// and the baseline assessment from the screening measures.
  public func enroll(_ request: EnrollmentRequest, today: CalendarDate = .today()) throws
    -> EnrollmentResult
  {
    let store = try database.open()
    let outcome = try store.transaction {
      try enroll(request, today: today, in: store, lookups: Lookups())
    }
    switch outcome {
    case .enrolled(let result): return result
    case .screenFailed(let failures):
      throw RegistryError.refused(
        "eligibility",
        "not eligible (\(failures.count) \(failures.count == 1 ? "criterion" : "criteria") failed): "
          + failures.joined(separator: "; ") + "; recorded in the screening log, not enrolled",
        details: [])
    }
  }

  /// Reads a screening list (`EnrollmentImport`: CSV, one candidate per row) and enrolls
  /// every row with `enrollBatch`: all or nothing.
  ///
  /// A missing file is `.notFound` (exit 66); a file that is not UTF-8, a malformed row or a
  /// refused one is `.refused` naming the line and column (exit 65), and nothing is enrolled.
  public func importFile(
    _ file: URL, protocolCode: String, defaultSite: String?, today: CalendarDate = .today(),
    progress: (ImportProgress) -> Void = { _ in }
  ) throws -> [EnrollmentResult] {
    guard let data = FileManager.default.contents(atPath: file.path) else {
      throw RegistryError.notFound("file", "no file at \(file.path)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw RegistryError.refused("file", "\(file.lastPathComponent) is not UTF-8 text")
    }
    return try importCSV(
      text, protocolCode: protocolCode, defaultSite: defaultSite, today: today,
      progress: progress)
  }

  /// A screening list as CSV text (what `importFile` reads from a file; the registry service
  /// gets it as a request body), enrolled with `enrollBatch`: all or nothing, a refusal naming
  /// the line and column.
  public func importCSV(
    _ text: String, protocolCode: String, defaultSite: String?, today: CalendarDate = .today(),
    progress: (ImportProgress) -> Void = { _ in }
  ) throws -> [EnrollmentResult] {
    let rows = try EnrollmentImport.rows(
      csv: text, protocolCode: protocolCode, defaultSite: defaultSite, today: today)
    return try enrollBatch(rows, today: today, progress: progress)
  }

  /// Enrolls a whole batch (an imported screening list) in ONE transaction: all or nothing.
  ///
  /// Each row goes through exactly the rules of `enroll`, in order, so later rows see the
  /// study IDs and MRNs of earlier ones (a duplicate MRN inside the batch is refused). The
  /// first row that is refused (invalid, unknown site, duplicate MRN, ineligible) rolls the
  /// whole batch back and is reported as `line N, field: rule` (exit 65, or 66 for an
  /// unknown site or protocol). Screening of an ineligible row is NOT recorded in import mode:
  /// the transaction that would hold it is rolled back with the rest. A lost connection
  /// (exit 69) likewise leaves nothing. Returns one result per row, in order.
  ///
  /// The batch is enrolled set-wise: the rows are staged with COPY; the rules are checked over
  /// the set, in Swift on the parsed rows (dates, eligibility) and in SQL on the staged rows
  /// (sites, MRNs enrolled or repeated); the rows before the first refused one (all, when none
  /// is) are written with a few set-based statements (`registry.enroll_batch` assigns study IDs
  /// and arms in file order, exactly as row by row). When the database refuses that write
  /// (a permission, a site out of study IDs, a constraint), the batch is run again row by row
  /// so that the refusal names its row exactly as before. `progress` reports each phase.
  public func enrollBatch(
    _ rows: [EnrollmentBatchRow], today: CalendarDate = .today(),
    progress: (ImportProgress) -> Void = { _ in }
  ) throws -> [EnrollmentResult] {
    guard !rows.isEmpty else { throw RegistryError.refused("file", "has no rows to enroll") }
    let store = try database.open()
    let codes = Set(rows.map(\.request.protocolCode))
    if codes.count == 1 {
      do {
        return try store.transaction {
          try enrollSetWise(rows, today: today, in: store, progress: progress)
        }
      } catch is RowByRow {
        // Rolled back; the rules row by row name the refused row.
      }
    }
    progress(ImportProgress(phase: .enrolling, rows: 0, total: rows.count))
    return try store.transaction {
      let lookups = Lookups()
      var results: [EnrollmentResult] = []
      results.reserveCapacity(rows.count)
      for row in rows {
        let outcome: Outcome
        do {
          outcome = try enroll(row.request, today: today, in: store, lookups: lookups)
        } catch var error as RegistryError
          where [.refused, .conflict, .notFound].contains(error.kind)
        {
          error.field = "line \(row.line), " + FieldSpelling.csvColumn(error.field)
          throw error
        }
        switch outcome {
        case .enrolled(let result): results.append(result)
        case .screenFailed(let failures): throw Self.ineligible(row, failures)
        }
      }
      return results
    }
  }

  static func ineligible(_ row: EnrollmentBatchRow, _ failures: [String]) -> RegistryError {
    RegistryError.refused(
      "line \(row.line), eligibility",
      "not eligible (\(failures.count) \(failures.count == 1 ? "criterion" : "criteria") "
        + "failed): " + failures.joined(separator: "; ")
        + "; nothing was imported and no screening was recorded")
  }

  /// The set-wise path needs the row-by-row rules to name a refusal the database made.
  private struct RowByRow: Error {}

  private func enrollSetWise(
    _ rows: [EnrollmentBatchRow], today: CalendarDate, in store: Store,
    progress: (ImportProgress) -> Void
  ) throws -> [EnrollmentResult] {
    guard let record = try ProtocolRepository(store).find(code: rows[0].request.protocolCode)
    else { throw RowByRow() }
    let trial = record.trial
    let imports = ImportRepository(store)
    let total = rows.count
    progress(ImportProgress(phase: .staging, rows: 0, total: total))
    let staged = try rows.map { row in
      let r = row.request
      let age = r.enrolledOn.years(since: r.identity.birthDate)
      return try StagedEnrollment(
        line: row.line, site: r.site, sex: r.sex, age: age, enrolledOn: r.enrolledOn,
        identity: r.identity, consent: r.consent, measures: r.measures,
        scores: r.measures.derivedScores(sex: r.sex, age: age))
    }
    let refusals: [StagedRefusal]
    do {
      try imports.stage(staged) {
        progress(ImportProgress(phase: .staging, rows: $0, total: total))
      }
      progress(ImportProgress(phase: .checking, rows: 0, total: total))
      refusals = try imports.refusals(protocolCode: trial.code)
    } catch let error as RegistryError where error.kind != .unavailable {
      throw RowByRow()
    }
    let refusedLines = Dictionary(grouping: refusals, by: \.line)
    // The first refused row, by the rules of `enroll` in their order.
    var first: (row: EnrollmentBatchRow, error: RegistryError?, repeatedFrom: Int?)?
    for (index, row) in rows.enumerated() {
      if index % 1000 == 0 {
        progress(ImportProgress(phase: .checking, rows: index, total: total))
      }
      let r = row.request
      if r.enrolledOn > today {
        first = (
          row, .refused("enrolled_on", "\(r.enrolledOn) is in the future (today is \(today))"),
          nil
        )
      } else if r.identity.birthDate > r.enrolledOn {
        first = (row, .refused("birth_date", "is after the enrollment date"), nil)
      } else if let database = refusedLines[row.line] {
        if database.contains(where: { $0.kind == .unknownSite }) {
          first = (row, .notFound("site", "no site \(r.site)"), nil)
        } else if let refusal = database.first {
          switch refusal.kind {
          case .enrolled(let existing):
            first = (
              row,
              .conflict(
                "mrn",
                "this MRN is already enrolled in \(trial.code)"
                  + (existing.isEmpty ? " (at another site)" : " as \(existing)")), nil
            )
          case .repeated(let line): first = (row, nil, line)
          case .unknownSite: break
          }
        }
      } else {
        do {
          let failures = try r.failedCriteria(of: trial)
          if !failures.isEmpty {
            first = (row, Self.ineligible(row, failures), nil)
          }
        } catch let error as RegistryError
          where [.refused, .conflict, .notFound].contains(error.kind)
        {
          first = (row, error, nil)  // a measure an eligibility criterion needs is missing
        }
      }
      if first != nil { break }
    }
    progress(ImportProgress(phase: .enrolling, rows: 0, total: total))
    let written: [(line: Int, studyID: String, arm: String, number: Int)]
    do {
      written = try imports.enroll(
        protocolID: record.id, baselineVisit: trial.baselineVisit?.code, before: first?.row.line)
    } catch let error as RegistryError where error.kind != .unavailable {
      throw RowByRow()
    }
    progress(ImportProgress(phase: .enrolling, rows: written.count, total: total))
    if let first {
      if first.error?.kind == .refused
        && first.error?.field == "line \(first.row.line), eligibility",
        try !imports.mayWrite(site: first.row.request.site)
      {
        throw RowByRow()  // the screening row would be refused first: as row by row
      }
      var error =
        first.error
        ?? .conflict(
          "mrn",
          "this MRN is already enrolled in \(trial.code) as "
            + (written.first { $0.line == first.repeatedFrom }?.studyID ?? "?"))
      if !error.field.hasPrefix("line ") {
        error.field = "line \(first.row.line), " + FieldSpelling.csvColumn(error.field)
      }
      throw error
    }
    return written.map {
      EnrollmentResult(studyID: $0.studyID, arm: $0.arm, protocolVersion: trial.version)
    }
  }

  private enum Outcome {
    case enrolled(EnrollmentResult)
    case screenFailed([String])
  }

  /// Sites and protocols already read in this transaction (a batch parses each protocol
  /// once, not once per row; protocol versions are immutable).
  private final class Lookups {
    var sites: Set<String> = []
    var protocols: [String: ProtocolRecord] = [:]
  }

  /// The enrollment rules, inside the caller's transaction on `store`. An ineligible
  /// candidate's screening row is written here; the caller decides whether it commits.
  private func enroll(
    _ request: EnrollmentRequest, today: CalendarDate, in store: Store, lookups: Lookups
  ) throws -> Outcome {
    guard request.enrolledOn <= today else {
      throw RegistryError.refused(
        "enrolled_on", "\(request.enrolledOn) is in the future (today is \(today))")
    }
    guard request.identity.birthDate <= request.enrolledOn else {
      throw RegistryError.refused("birth_date", "is after the enrollment date")
    }
    let protocols = ProtocolRepository(store)
    let patients = PatientRepository(store)
    if !lookups.sites.contains(request.site) {
      guard try SiteRepository(store).find(code: request.site) != nil else {
        throw RegistryError.notFound("site", "no site \(request.site)")
      }
      lookups.sites.insert(request.site)
    }
    guard
      let record = try lookups.protocols[request.protocolCode]
        ?? protocols.find(code: request.protocolCode)
    else {
      throw RegistryError.notFound("protocol", "no protocol \(request.protocolCode) is loaded")
    }
    lookups.protocols[request.protocolCode] = record
    let trial = record.trial
    if let existing = try patients.studyID(
      enrolledWithMRN: request.identity.mrn, protocolCode: trial.code)
    {
      throw RegistryError.conflict(
        "mrn",
        "this MRN is already enrolled in \(trial.code)"
          + (existing.isEmpty ? " (at another site)" : " as \(existing)"))
    }
    let failures = try request.failedCriteria(of: trial)
    if !failures.isEmpty {
      try patients.insertScreening(
        protocolID: record.id, site: request.site, on: request.enrolledOn, failed: failures,
        studyID: nil)
      return .screenFailed(failures)
    }
    let age = request.enrolledOn.years(since: request.identity.birthDate)
    // The database assigns the study ID and the arm (allocation concealment): the seed and
    // the counters are not readable by the enrolling role.
    let (studyID, arm, _) = try patients.enroll(
      protocolID: record.id, site: request.site, sex: request.sex,
      birthYear: request.identity.birthDate.year, ageAtEnrollment: age,
      enrolledOn: request.enrolledOn, identity: request.identity)
    if let consent = request.consent { try patients.insertConsent(consent, studyID: studyID) }
    try patients.insertScreening(
      protocolID: record.id, site: request.site, on: request.enrolledOn, failed: [],
      studyID: studyID)
    if let baseline = trial.baselineVisit, !request.measures.isEmpty {
      try AssessmentRepository(store).insert(
        studyID: studyID, visit: baseline.code, on: request.enrolledOn,
        measures: request.measures,
        scores: request.measures.derivedScores(sex: request.sex, age: age))
    }
    return .enrolled(
      EnrollmentResult(studyID: studyID, arm: arm, protocolVersion: trial.version))
  }
}

/// Where a set-wise `patient import` is: its phase and the rows done of the batch.
public struct ImportProgress: Sendable, Equatable {
  /// The phases, in order.
  public enum Phase: String, Sendable {
    /// Copying the rows into the database's staging table.
    case staging
    /// Checking the batch's rules over the set.
    case checking
    /// Writing the batch.
    case enrolling
  }
  /// The phase.
  public let phase: Phase
  /// Rows done in this phase.
  public let rows: Int
  /// Rows of the batch.
  public let total: Int
}
