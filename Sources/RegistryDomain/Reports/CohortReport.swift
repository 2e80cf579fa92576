import Foundation

/// The cohort report of SPEC §6: flow, and per group counts, endpoints and safety.
///
/// Encodes to the JSON integration contract (snake_case keys as in SPEC §6). A figure withheld
/// by `--min-cell` is null and its path is listed in the group's (or the report's) `suppressed`.
public struct CohortReport: Sendable, Codable, Equatable {
  /// Always `cohort`.
  public var report = "cohort"
  /// The protocol reported.
  public var `protocol`: ProtocolRef
  /// The cut-off date: records after it are left out.
  public var asOf: CalendarDate
  /// `arm`, `site`, `source` or `dose`.
  public var groupBy: CohortGrouping
  /// `loglog` or `plain`.
  public var ciMethod: SurvivalCIMethod
  /// Counts from 1 to `minCell − 1` are suppressed (0: nothing suppressed).
  public var minCell: Int
  /// The site the report is restricted to, if any.
  public var site: String?
  /// CONSORT flow.
  public var flow: Flow
  /// One entry per group, in group order.
  public var groups: [Group]
  /// Paths of suppressed flow figures.
  public var suppressed: [String]
  /// The paths of `suppressed` withheld by complementary suppression (counts of at least
  /// `minCell`); not part of the JSON contract, where every withheld figure is null alike.
  public var complementary: [String] = []
  /// True when the cohort includes patients of a synthetic cohort (`demo seed`).
  public var syntheticIncluded = false
  /// True when synthetic patients were left out (`--exclude-synthetic`).
  public var syntheticExcluded = false
  /// Per survival endpoint, MSC versus control (protocols with both kinds of arm; else empty).
  public var comparisons: [SurvivalComparison] = []

  /// Protocol identity in the report.
  public struct ProtocolRef: Sendable, Codable, Equatable {
    /// Code.
    public var code: String
    /// Version (the latest loaded).
    public var version: Int
    /// `sle` or `liver_failure`.
    public var condition: String
    /// Title.
    public var title: String
  }

  /// CONSORT flow: screened → enrolled → allocated → treated → analysed.
  public struct Flow: Sendable, Codable, Equatable {
    /// Screening-log rows.
    public var screened: Int?
    /// Screened and not eligible.
    public var screenFailed: Int?
    /// Screen failures by criterion (a candidate failing two criteria counts under both).
    public var screenFailures: [String: Int?]
    /// Patients enrolled.
    public var enrolled: Int?
    /// Patients allocated per arm.
    public var allocated: [String: Int?]
    /// Patients with at least one infusion.
    public var treated: Int?
    /// Patients who withdrew.
    public var withdrawn: Int?
    /// Patients analysed (intention to treat: every enrolled patient).
    public var analysed: Int?

    enum CodingKeys: String, CodingKey {
      case screened, enrolled, allocated, treated, withdrawn, analysed
      case screenFailed = "screen_failed"
      case screenFailures = "screen_failures"
    }
  }

  /// One group (an arm, site, lot source or dose band).
  public struct Group: Sendable, Codable, Equatable {
    /// The group's label.
    public var group: String
    /// Patients enrolled in the group.
    public var enrolled: Int?
    /// With at least one infusion.
    public var treated: Int?
    /// Withdrawn.
    public var withdrawn: Int?
    /// Died.
    public var died: Int?
    /// Received a liver transplant.
    public var transplanted: Int?
    /// Every endpoint of the protocol, in the protocol's order.
    public var endpoints: [EndpointResult]
    /// Safety.
    public var adverseEvents: AdverseEventSummary
    /// Paths of suppressed figures in this group.
    public var suppressed: [String]
    /// The paths of `suppressed` withheld by complementary suppression (not in the JSON).
    public var complementary: [String] = []

    enum CodingKeys: String, CodingKey {
      case group, enrolled, treated, withdrawn, died, transplanted, endpoints, suppressed
      case adverseEvents = "adverse_events"
    }
  }

  /// Adverse events of one relatedness class: patients with at least one (and with at least
  /// one serious), and the number of events (and of serious events).
  public struct RelatednessSummary: Sendable, Codable, Equatable {
    /// Patients with at least one AE of the class.
    public var patients: Int?
    /// Patients with at least one serious AE of the class.
    public var patientsSerious: Int?
    /// AEs of the class.
    public var events: Int?
    /// Serious AEs of the class.
    public var eventsSerious: Int?

    enum CodingKeys: String, CodingKey {
      case patients, events
      case patientsSerious = "patients_serious"
      case eventsSerious = "events_serious"
    }
  }

  /// Patients with any AE, with a serious AE, by their worst CTCAE grade, and by relatedness
  /// to MSC.
  public struct AdverseEventSummary: Sendable, Codable, Equatable {
    /// Patients with at least one adverse event.
    public var patientsAny: Int?
    /// Patients with at least one serious adverse event.
    public var patientsSerious: Int?
    /// Patients by worst grade, keys "1"…"5".
    public var worstGrade: [String: Int?]
    /// AEs related to MSC: relatedness possible, probable or definite.
    public var related = RelatednessSummary()
    /// AEs not related to MSC: relatedness unrelated or unlikely.
    public var unrelated = RelatednessSummary()

    enum CodingKeys: String, CodingKey {
      case related, unrelated
      case patientsAny = "patients_any"
      case patientsSerious = "patients_serious"
      case worstGrade = "worst_grade"
    }
  }

  enum CodingKeys: String, CodingKey {
    case report, `protocol`, flow, groups, site, suppressed, comparisons
    case asOf = "as_of"
    case groupBy = "group_by"
    case ciMethod = "ci_method"
    case minCell = "min_cell"
    case syntheticIncluded = "synthetic_included"
    case syntheticExcluded = "synthetic_excluded"
  }
}

/// How the report groups patients.
public enum CohortGrouping: String, ClinicalCode {
  /// By allocated arm.
  case arm
  /// By site.
  case site
  /// By the tissue source of the lot of the patient's first infusion (`none` when untreated).
  case source
  /// By the dose per kg of the first infusion, in bands (see `DoseBand`).
  case dose

  public static let codeName = "grouping"
}

/// Dose bands for `--by dose`, in cells (or particles) per kg of the first infusion.
public enum DoseBand {
  /// Band edges in per-kg units; a dose belongs to the band whose lower edge it reaches
  /// (lower edges inclusive, compared exactly: `DosePerKg`).
  public static let edges: [Double] = [0.5e6, 1.0e6, 2.0e6]

  /// The band labels, lowest first.
  public static let labels = ["<0.5×10⁶/kg", "0.5–<1.0×10⁶/kg", "1.0–<2.0×10⁶/kg", "≥2.0×10⁶/kg"]

  /// The band's label, e.g. `1.0–<2.0×10⁶/kg`; `none` without an infusion.
  public static func label(dosePerKg: Double?) -> String {
    guard let d = dosePerKg else { return "none" }
    return labels[index(DosePerKg.decimal(d))]
  }

  /// The band of an infusion from its cells and weight, exactly (cells ≥ edge × weight).
  public static func label(cells: Double, weightKg: Double) -> String {
    labels[edges.filter { DosePerKg.isAtLeast(cells: cells, weightKg: weightKg, $0) }.count]
  }

  /// How many edges a dose reaches (0…3): the index of its band in `labels`.
  static func index(_ dose: Decimal) -> Int {
    edges.filter { dose >= DosePerKg.decimal($0) }.count
  }
}

extension SurvivalCIMethod: ClinicalCode {
  public static let codeName = "interval method"
}
