import RegistryDomain

/// The value types a `CohortGenerator` produces: one synthetic patient with everything recorded
/// about them, the lots they were infused from, and their assessments.
///
/// Every value obeys the rules the services enforce on real data (SPEC §4), so that the
/// registry cannot tell a synthetic patient from an enrolled one except by the `SYN-` MRN.

/// A synthetic MSC lot (`registry.msc_lot`): the domain's own `MSCLot` and the day its status
/// last changed (the table's `status_changed_at`, which the domain type does not carry).
public struct SyntheticLot: Sendable, Equatable {
  /// The lot: `SYN-<protocol code>-S<seed>-L0001`, the protocol's first allowed source,
  /// released lots within the protocol's release criteria.
  public let lot: MSCLot
  /// Date of release or rejection; nil in quarantine.
  public let statusOn: CalendarDate?

  /// Pairs a lot with the date of its last status change.
  public init(lot: MSCLot, statusOn: CalendarDate?) {
    self.lot = lot
    self.statusOn = statusOn
  }
}

/// One synthetic infusion (`registry.infusion`).
public struct SyntheticInfusion: Sendable, Hashable {
  /// 1 for the patient's first infusion, 2 for the second …
  public let ordinal: Int
  /// Date infused (on or after enrollment, at least the protocol's minimum days apart).
  public let date: CalendarDate
  /// Index of the lot in `CohortGenerator.lots`.
  public let lotIndex: Int
  /// Body weight, kg (45–95, one decimal).
  public let weightKg: Double
  /// Cells (or particles) infused.
  public let totalCells: Double
  /// `totalCells / weightKg`, within the protocol's range.
  public var dosePerKg: Double { DosePerKg.value(cells: totalCells, weightKg: weightKg) }
  /// Route.
  public let route: Route
}

/// One synthetic adverse event (`registry.adverse_event`).
public struct SyntheticAdverseEvent: Sendable, Hashable {
  /// CTCAE term.
  public let term: String
  /// CTCAE grade; grade 5 only with the patient's death, and then serious = death.
  public let grade: CTCAEGrade
  /// ICH E2A seriousness criterion, nil when not serious.
  public let serious: Seriousness?
  /// Relatedness to MSC (`unrelated` unless an infusion came on or before the onset).
  public let relatedness: Relatedness
  /// Onset date.
  public let onset: CalendarDate
  /// Resolution date, nil when ongoing (or fatal).
  public let resolved: CalendarDate?
  /// The patient's infusion (its `ordinal`) the event is linked to, when related.
  public let infusionOrdinal: Int?
}

/// One clinical (survival) event (`registry.clinical_event`).
public struct SyntheticClinicalEvent: Sendable, Hashable {
  /// Death, liver transplant or loss to follow-up.
  public let kind: ClinicalEventKind
  /// Date.
  public let date: CalendarDate
}

/// A screening that failed (a candidate who was not enrolled).
public struct SyntheticScreenFailure: Sendable, Hashable {
  /// Site screened at.
  public let site: String
  /// Date screened.
  public let date: CalendarDate
  /// Each failed criterion, as enrollment writes them (`meld: 14 is outside 17–30`).
  public let failedCriteria: [String]
}

/// One synthetic patient and everything recorded about them except assessments (those come
/// from `CohortGenerator.assessments(of:)`).
public struct SyntheticPatient: Sendable {
  /// 0-based position in the cohort (enrollment order).
  public let index: Int
  /// `<prefix>-<SITE>-<NNNN>`.
  public let studyID: String
  /// Site code.
  public let site: String
  /// The study-ID number at the site (gapless from 1).
  public let number: Int
  /// Randomization stratum key.
  public let stratum: String
  /// 0-based position in the stratum's allocation sequence.
  public let allocationPosition: Int
  /// Assigned arm.
  public let arm: ProtocolArm
  /// Sex.
  public let sex: Sex
  /// Age at enrollment in whole years (inside the protocol's age limits).
  public let age: Int
  /// Day 0.
  public let enrolledOn: CalendarDate
  /// MRN (`SYN-000123`), names and birth date.
  public let identity: PatientIdentity
  /// Signed consent (withdrawn on the withdrawal date for withdrawn patients).
  public let consent: Consent
  /// Failed screenings at the site before this enrollment (not patients).
  public let screenFailures: [SyntheticScreenFailure]
  /// Infusions (MSC arms only), by date.
  public let infusions: [SyntheticInfusion]
  /// Adverse events, by onset.
  public let adverseEvents: [SyntheticAdverseEvent]
  /// Clinical events: at most one of each kind.
  public let clinicalEvents: [SyntheticClinicalEvent]
  /// Status at insertion: `treated` with an infusion, else `enrolled`.
  public let initialStatus: PatientStatus
  /// Date of `initialStatus` (the first infusion), nil for `enrolled`.
  public let initialStatusOn: CalendarDate?
  /// Status as of the cohort's as-of date.
  public let status: PatientStatus
  /// Date of `status` (death, withdrawal, loss, completion, first infusion), nil for `enrolled`.
  public let statusOn: CalendarDate?
  /// The visits attended: protocol visit index and date (inside the window, not after the
  /// as-of date or the end of follow-up).
  public let visits: [(visit: Int, date: CalendarDate)]
  /// Latent disease severity (standard normal): drives baseline measures and the event hazard.
  public let severity: Double
  /// Day (since enrollment) of death or transplant when it happens before the as-of date and
  /// the end of follow-up.
  public let eventDay: Int?
}

/// One synthetic assessment (`registry.assessment`), with the engine's scores.
public struct SyntheticAssessment: Sendable {
  /// Visit code.
  public let visit: String
  /// Date (inside the visit's window).
  public let date: CalendarDate
  /// The measures, in canonical units.
  public let measures: MeasureSet
  /// `measures.derivedScores(sex:age:)`.
  public let scores: DerivedScores
}

/// Rows written per table by a seed, in the order they were written.
public struct SeedCounts: Sendable, Hashable, Codable {
  /// One table's count.
  public struct Table: Sendable, Hashable, Codable {
    /// `schema.table`.
    public let table: String
    /// Rows written.
    public let rows: Int

    /// Creates a count.
    public init(table: String, rows: Int) {
      self.table = table
      self.rows = rows
    }
  }

  /// Tables in the order written.
  public var tables: [Table]

  /// Creates counts.
  public init(tables: [Table] = []) { self.tables = tables }

  /// Rows of every table.
  public var total: Int { tables.reduce(0) { $0 + $1.rows } }

  /// Rows of one table (0 when absent).
  public subscript(table: String) -> Int {
    tables.first { $0.table == table }?.rows ?? 0
  }
}

/// Progress of a seed: rows written so far to the table being written.
public struct SeedProgress: Sendable, Hashable {
  /// `schema.table`.
  public let table: String
  /// Rows written to it so far.
  public let rows: Int
  /// True once the table is complete.
  public let finished: Bool

  /// Creates a progress report.
  public init(table: String, rows: Int, finished: Bool) {
    self.table = table
    self.rows = rows
    self.finished = finished
  }
}
