import Foundation
import PostgresClient
import RegistryDomain
import RegistrySeed

/// Writes a synthetic cohort (`CohortGenerator`) with `COPY … FROM STDIN` (one per table and
/// chunk of patients), in the caller's transaction, streaming rows as they are generated.
///
/// Column lists are explicit, so columns added later (nullable or with defaults) keep their
/// defaults. Every row passes the tables' constraints and triggers, audit trail included: a
/// seeded row is audited like any other. Patients are generated once each, 10,000 at a time,
/// and each chunk is written table by table while the next is generated on another thread, so
/// memory stays flat (two chunks at most) whatever the size.
public struct SeedRepository {
  let store: Store

  /// Patients generated and written at a time (each table's rows of a chunk in one COPY).
  static let seedChunk = 10_000

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Locks what a seed writes against concurrent enrollments and infusions until the
  /// transaction ends (reads are not blocked): the numbering counters and the infusion table
  /// (whose ids the seed reserves as a block).
  public func lockForSeeding() throws {
    try store.mapped {
      try store.query(
        """
        LOCK TABLE registry.study_id_counter, registry.allocation_counter, registry.infusion
        IN EXCLUSIVE MODE
        """)
    }
  }

  /// How many real (not synthetic) patients a protocol code holds, in any version.
  public func realPatients(protocolCode: String) throws -> Int {
    try store.mapped {
      try store.query(
        """
        SELECT count(*)::int AS n FROM registry.patient
        WHERE protocol_code = \(protocolCode) AND NOT synthetic
        """
      ).rows[0].decode("n")
    }
  }

  /// Study-ID numbers used per site of a protocol code (the cohort continues after them).
  public func lastNumbers(protocolCode: String) throws -> [String: Int] {
    try counts(
      """
      SELECT site_code AS key, last_number AS n FROM registry.study_id_counter
      WHERE protocol_code = \(protocolCode)
      """)
  }

  /// Allocations made per stratum of a protocol version.
  public func allocated(protocolID: Int64) throws -> [String: Int] {
    try counts(
      """
      SELECT stratum AS key, allocated AS n FROM registry.allocation_counter
      WHERE protocol_id = \(protocolID)
      """)
  }

  /// A `key → n` map from a query returning those two columns.
  private func counts(_ query: PostgresQuery) throws -> [String: Int] {
    try store.mapped {
      var result: [String: Int] = [:]
      for row in try store.query(query).rows {
        result[try row.decode("key")] = try row.decode("n")
      }
      return result
    }
  }

  /// Lot numbers among `numbers` that already exist.
  public func existingLots(_ numbers: [String]) throws -> [String] {
    try store.mapped {
      try store.query(
        """
        SELECT lot_number FROM registry.msc_lot
        WHERE lot_number = ANY(\(PostgresArray(numbers))::text[]) ORDER BY 1
        """
      ).rows.map { try $0.decode("lot_number") }
    }
  }

  /// Writes the cohort: lots, patients, identities, consents, allocations, screening log,
  /// infusions, assessments, adverse events, clinical events, final statuses and the two
  /// numbering counters. Returns the rows written per table.
  ///
  /// - Parameters:
  ///   - cohort: the generated cohort.
  ///   - protocolID: the `registry.protocol` row of `cohort.trial`.
  ///   - progress: called every 10,000 rows and when a table is complete; an error it throws
  ///     aborts the COPY under way (and, through the caller's transaction, the whole seed).
  /// - Throws: `RegistryError` mapped from the server's error; the caller's transaction then
  ///   rolls back and nothing is left.
  public func write(
    _ cohort: CohortGenerator, protocolID: Int64,
    progress: (SeedProgress) throws -> Void = { _ in }
  ) throws -> SeedCounts {
    try withoutActuallyEscaping(progress) { progress in
      try store.mapped { try write(cohort, protocolID: protocolID, reporting: progress) }
    }
  }

  private func write(
    _ cohort: CohortGenerator, protocolID: Int64,
    reporting progress: @escaping (SeedProgress) throws -> Void
  ) throws -> SeedCounts {
    do {
      var counts = SeedCounts()
      let c = store.connection
      let trial = cohort.trial
      let pid = String(protocolID)

      // Rows per table so far (tables in the order first written): the patients are written
      // in chunks, each table's rows of a chunk in one COPY, so a table's count grows chunk
      // by chunk and its progress reports its rows so far.
      var written: [String: Int] = [:]
      func copy(
        _ table: String, _ columns: String, last: Bool = true,
        _ rows: (_ emit: ([String?]) throws -> Void) throws -> Void
      ) throws {
        var total = written[table] ?? 0
        _ = try c.copyIn("COPY \(table) (\(columns)) FROM STDIN") { writer in
          try rows { row in
            try writer.write(row: row)
            total += 1
            if total % 10_000 == 0 {
              try progress(SeedProgress(table: table, rows: total, finished: false))
            }
          }
        }
        if let i = counts.tables.firstIndex(where: { $0.table == table }) {
          counts.tables[i] = SeedCounts.Table(table: table, rows: total)
        } else {
          counts.tables.append(SeedCounts.Table(table: table, rows: total))
        }
        written[table] = total
        if last { try progress(SeedProgress(table: table, rows: total, finished: true)) }
      }

      try copy(
        "registry.msc_lot",
        """
        lot_number, source, donor, product, passage, viability_pct, cd73_pct, cd90_pct, \
        cd105_pct, cd45_pct, cd34_pct, cd14_pct, cd19_pct, hla_dr_pct, sterility, mycoplasma, \
        endotoxin_eu_ml, manufactured_on, expires_on, status, status_reason, status_changed_at
        """
      ) { emit in
        for seeded in cohort.lots {
          let lot = seeded.lot
          let m = lot.markers
          try emit([
            lot.lotNumber, lot.source.rawValue, lot.donor.rawValue, lot.product.rawValue,
            String(lot.passage), text(lot.viabilityPct), m.cd73.map(text), m.cd90.map(text),
            m.cd105.map(text), m.cd45.map(text), m.cd34.map(text), m.cd14.map(text),
            m.cd19.map(text), m.hlaDR.map(text), lot.sterility?.rawValue,
            lot.mycoplasma?.rawValue, lot.endotoxinEUPerML.map(text),
            lot.manufacturedOn.description,
            lot.expiresOn.description, lot.status.rawValue, lot.statusReason,
            seeded.statusOn.map { $0.description + " 12:00:00+00" },
          ])
        }
      }

      // Final statuses are applied at the end (below), collected chunk by chunk.
      try c.execute(
        """
        CREATE TEMP TABLE seed_status (study_id text PRIMARY KEY, status text, status_on date)
        ON COMMIT DROP
        """)
      // Infusion ids are reserved as one block (the table is locked), so that adverse
      // events can link to them.
      let sequence = "pg_get_serial_sequence('registry.infusion', 'id')"
      let firstID: Int64 = try c.query("SELECT nextval(\(sequence)) AS id").rows[0].decode("id")
      var infusionCount: Int64 = 0
      var infusionsBefore: Int64 = 0

      // The patients in chunks of `seedChunk`, each generated once: every table's rows of the
      // chunk are written (one COPY per table, in the order of the foreign keys and triggers)
      // while the next chunk is generated on another thread (the server's triggers and the
      // generator use different cores), so at most two chunks are in memory whatever the size.
      var next: GeneratedChunk? = GeneratedChunk(cohort, 0..<min(Self.seedChunk, cohort.count))
      for start in stride(from: 0, to: cohort.count, by: Self.seedChunk) {
        let end = min(start + Self.seedChunk, cohort.count)
        let last = end == cohort.count
        let chunk = next?.patients() ?? []
        next = last ? nil : GeneratedChunk(cohort, end..<min(end + Self.seedChunk, cohort.count))

        try copy(
          "registry.patient",
          """
          study_id, protocol_id, protocol_code, site_code, seq, sex, birth_year, \
          age_at_enrollment, enrolled_on, arm, status, status_on, synthetic
          """, last: last
        ) { emit in
          for p in chunk {
            try emit([
              p.studyID, pid, trial.code, p.site, String(p.number), p.sex.rawValue,
              String(p.identity.birthDate.year), String(p.age), p.enrolledOn.description,
              p.arm.code,
              p.initialStatus.rawValue, p.initialStatusOn.map(\.description), "t",
            ])
          }
        }

        try copy(
          "identity.patient_identity",
          "study_id, protocol_code, mrn, given_name, family_name, birth_date, contact", last: last
        ) { emit in
          for p in chunk {
            let i = p.identity
            try emit([
              p.studyID, trial.code, i.mrn, i.givenName, i.familyName, i.birthDate.description,
              i.contact,
            ])
          }
        }

        try copy("registry.consent", "study_id, version, signed_on, withdrawn_on", last: last) {
          emit in
          for p in chunk {
            try emit([
              p.studyID, p.consent.version, p.consent.signedOn.description,
              p.consent.withdrawnOn.map(\.description),
            ])
          }
        }

        try copy(
          "registry.allocation", "protocol_id, stratum, position, arm, study_id", last: last
        ) { emit in
          for p in chunk {
            try emit([pid, p.stratum, String(p.allocationPosition), p.arm.code, p.studyID])
          }
        }

        try copy(
          "registry.screening",
          "protocol_id, site_code, screened_on, eligible, failed_criteria, study_id, synthetic",
          last: last
        ) { emit in
          for p in chunk {
            for failure in p.screenFailures {
              try emit([
                pid, failure.site, failure.date.description, "f", jsonArray(failure.failedCriteria),
                nil,
                "t",
              ])
            }
            try emit([pid, p.site, p.enrolledOn.description, "t", "[]", p.studyID, "t"])
          }
        }

        try copy(
          "registry.infusion",
          "id, study_id, lot_number, infused_on, weight_kg, total_cells, dose_per_kg, route",
          last: last
        ) { emit in
          for p in chunk {
            for infusion in p.infusions {
              try emit([
                String(firstID + infusionCount), p.studyID,
                cohort.lots[infusion.lotIndex].lot.lotNumber,
                infusion.date.description, text(infusion.weightKg), text(infusion.totalCells),
                text(infusion.dosePerKg), infusion.route.rawValue,
              ])
              infusionCount += 1
            }
          }
        }

        try copy(
          "registry.assessment",
          """
          study_id, visit_code, assessed_on, sledai_descriptors, pga, bilag, eular_acr_items, \
          ana_titer, upcr, creatinine, c3, c4, anti_dsdna, bilirubin, inr, sodium, albumin, \
          dialysis, ascites, encephalopathy, entered, sledai_2k, eular_acr_2019, meld, meld_na, \
          meld_3, child_pugh, child_pugh_class, engine_version
          """, last: last
        ) { emit in
          for p in chunk {
            for a in cohort.assessments(of: p) {
              try emit(assessmentRow(p.studyID, a))
            }
          }
        }

        try copy(
          "registry.adverse_event",
          "study_id, term, grade, serious, relatedness, onset_on, resolved_on, infusion_id",
          last: last
        ) { emit in
          for p in chunk {
            for ae in p.adverseEvents {
              try emit([
                p.studyID, ae.term, String(ae.grade.rawValue), ae.serious?.rawValue,
                ae.relatedness.rawValue, ae.onset.description, ae.resolved.map(\.description),
                ae.infusionOrdinal.map { String(firstID + infusionsBefore + Int64($0) - 1) },
              ])
            }
            infusionsBefore += Int64(p.infusions.count)
          }
        }

        try copy("registry.clinical_event", "study_id, kind, occurred_on", last: last) { emit in
          for p in chunk {
            for event in p.clinicalEvents {
              try emit([p.studyID, event.kind.rawValue, event.date.description])
            }
          }
        }

        try c.copyIn("COPY seed_status FROM STDIN") { writer in
          for p in chunk
          where p.status != p.initialStatus || p.statusOn != p.initialStatusOn {
            try writer.write(row: [p.studyID, p.status.rawValue, p.statusOn.map(\.description)])
          }
        }
      }
      if infusionCount > 1 {
        try c.query(
          "SELECT setval(\(unescaped: sequence), \(firstID + infusionCount - 1))" as PostgresQuery)
      }

      // Final statuses: patients were inserted as enrolled or treated (the infusion gate
      // needs a living, non-withdrawn patient); later changes go through the status
      // trigger and the audit trail like any other.
      let updated = try c.query(
        """
        UPDATE registry.patient p SET status = s.status, status_on = s.status_on
        FROM seed_status s WHERE p.study_id = s.study_id
        """
      ).affectedRows
      try progress(SeedProgress(table: "registry.patient (status)", rows: updated, finished: true))
      counts.tables.append(SeedCounts.Table(table: "registry.patient (status)", rows: updated))

      for (site, last) in cohort.siteCounts {
        try c.query(
          """
          INSERT INTO registry.study_id_counter (protocol_code, site_code, last_number)
          VALUES (\(trial.code), \(site), \(last))
          ON CONFLICT (protocol_code, site_code) DO UPDATE SET last_number = EXCLUDED.last_number
          """ as PostgresQuery)
      }
      for (stratum, allocated) in cohort.stratumCounts {
        try c.query(
          """
          INSERT INTO registry.allocation_counter (protocol_id, stratum, allocated)
          VALUES (\(protocolID), \(stratum), \(allocated))
          ON CONFLICT (protocol_id, stratum) DO UPDATE SET allocated = EXCLUDED.allocated
          """ as PostgresQuery)
      }
      return counts
    }
  }

  func assessmentRow(_ studyID: String, _ a: SyntheticAssessment) -> [String?] {
    let m = a.measures
    let s = a.scores
    var entered: [String] = []
    for analyte in Analyte.allCases {
      if let reading = m.reading(of: analyte) {
        entered.append(
          "\"\(analyte.rawValue)\": {\"unit\": \"\(reading.enteredUnit.rawValue)\", "
            + "\"value\": \(text(reading.entered))}")
      }
    }
    let bilag = m.bilag.map { b in
      "{"
        + BILAGDomain.allCases.compactMap { d in
          b.grades[d].map { "\"\(d.rawValue)\": \"\($0.rawValue)\"" }
        }.joined(separator: ", ") + "}"
    }
    return [
      studyID, a.visit, a.date.description,
      m.sledai2k.map { "{" + $0.descriptors.map(\.rawValue).joined(separator: ",") + "}" },
      m.pga.map { text($0.value) }, bilag,
      m.eularAcr2019.map { "{" + $0.items.map(\.rawValue).joined(separator: ",") + "}" },
      m.anaTiter.map(String.init),
      m.upcr.map { text($0.canonical) }, m.creatinine.map { text($0.canonical) },
      m.c3.map { text($0.canonical) }, m.c4.map { text($0.canonical) },
      m.antiDsDNA.map { text($0.canonical) }, m.bilirubin.map { text($0.canonical) },
      m.inr.map { text($0.canonical) }, m.sodium.map { text($0.canonical) },
      m.albumin.map { text($0.canonical) }, m.dialysis ? "t" : "f", m.ascites?.rawValue,
      m.encephalopathy?.rawValue, "{" + entered.joined(separator: ", ") + "}",
      s.sledai2k.map(String.init), s.eularAcr2019.map(String.init), s.meld.map(String.init),
      s.meldNa.map(String.init), s.meld3.map(String.init), s.childPugh.map(String.init),
      s.childPughClass?.rawValue, s.engineVersion,
    ]
  }
}

/// A double as PostgreSQL reads it back exactly; whole numbers without `.0` (the domain's
/// `formatNumber`).
private func text(_ value: Double) -> String { formatNumber(value) }

/// A JSON array of strings.
private func jsonArray(_ items: [String]) -> String {
  "["
    + items.map { item -> String in
      var out = "\""
      for scalar in item.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
          if scalar.value < 0x20 {
            out += String(format: "\\u%04x", scalar.value)
          } else {
            out.unicodeScalars.append(scalar)
          }
        }
      }
      return out + "\""
    }.joined(separator: ", ") + "]"
}

/// One chunk of a cohort's patients, generated on a thread of its own from the moment it is
/// created (`CohortGenerator.patient(at:)` is a pure function of the index).
private final class GeneratedChunk: @unchecked Sendable {
  // Written once by the generating thread before `done` is signalled; read only after
  // `patients()` has waited for that signal.
  private var generated: [SyntheticPatient] = []
  private let done = DispatchSemaphore(value: 0)

  /// Starts generating the patients of `range`.
  init(_ cohort: CohortGenerator, _ range: Range<Int>) {
    let thread = Thread { [self] in
      generated = range.map { cohort.patient(at: $0) }
      done.signal()
    }
    thread.start()
  }

  /// The chunk's patients, in index order; waits until they are generated. Call it once.
  func patients() -> [SyntheticPatient] {
    done.wait()
    return generated
  }
}
