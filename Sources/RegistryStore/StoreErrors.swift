import Foundation
import PostgresClient
import RegistryDomain

/// Maps database errors to the registry's error contract (SPEC §5).
///
/// Constraint names are translated to the field a user typed; SQLSTATE classes decide the kind.
enum StoreErrors {
  /// Field and message for constraints whose violation users can cause.
  static let constraintMessages: [String: (field: String, message: String)] =
    [
      "site_pkey": ("site.code", "a site with this code already exists"),
      "site_code_format": (
        "site.code", "must be 2–8 capital letters or digits, starting with a letter"
      ),
      "site_name_length": ("name", "must be 1–200 characters without control characters"),
      "site_country_format": ("country", "must be a two-letter ISO 3166 code such as PA"),
      "identity_protocol_mrn_key": ("mrn", "this MRN is already enrolled in the protocol"),
      "identity_mrn_normalized": (
        "mrn", "must be stored in normal form (NFKC, no format characters, trimmed)"
      ),
      "protocol_code_version_key": ("version", "this protocol version is already loaded"),
      "assessment_one_per_visit": (
        "visit", "this visit already has an assessment; correct it with `assess amend`"
      ),
      "msc_lot_pkey": ("lot", "a lot with this number is already registered"),
      "lot_number_format": (
        "lot", "must be 1–40 letters, digits, . _ / -, starting with a letter or digit"
      ),
      "lot_source": ("source", "unknown tissue source"),
      "lot_donor": ("donor", "must be autologous or allogeneic"),
      "lot_product": ("product", "must be cells or extracellular_vesicles"),
      "lot_passage": ("passage", "must be a whole number 0–50"),
      "lot_viability": ("viability", "must be a percentage 0–100"),
      "lot_expiry_after_manufacture": ("expires", "must be on or after the manufacture date"),
      "lot_rejection_has_reason": ("reason", "a rejected lot needs a reason"),
      "lot_release_criteria": (
        "lot",
        "the lot does not meet the release specification (ISCT markers, sterility, "
          + "mycoplasma, endotoxin ≤ \(formatNumber(ReleaseCheck.endotoxinMaxEUPerML)) EU/mL, "
          + "viability ≥ \(formatNumber(ReleaseCheck.viabilityMinPct))%)"
      ),
      "infusion_weight": ("weight_kg", "must be above 0 and at most 400 kg"),
      "infusion_cells": ("cells", "must be above 0 and below 1e13"),
      "infusion_route": ("route", "unknown route"),
      "infusion_dose_derived": ("cells", "dose per kg must equal cells ÷ weight"),
      "infusion_void_has_reason": ("reason", "a voided infusion needs a reason"),
      "assessment_deviation_has_reason": (
        "reason", "an out-of-window assessment needs the reason for the deviation"
      ),
      "ae_term": ("term", "must be 1–200 characters"),
      "ae_grade": ("grade", "CTCAE grade must be 1–5"),
      "ae_resolution_after_onset": ("resolved", "must not be before the onset"),
      "ae_serious_death_is_grade5": (
        "serious", "the criterion death goes with grade 5, and grade 5 with death"
      ),
      "ae_infusion_same_patient": ("infusion", "is not an infusion of this patient"),
      "clinical_event_once": (
        "kind", "this event is already recorded for the patient; void it to correct it"
      ),
    ]

  /// Constraints whose violation is a conflict with what is stored (a duplicate), not a
  /// broken rule: `.conflict` (HTTP 409) instead of `.refused`.
  static let conflictConstraints: Set<String> = [
    "site_pkey", "identity_protocol_mrn_key", "protocol_code_version_key",
    "assessment_one_per_visit", "msc_lot_pkey", "clinical_event_once",
  ]

  /// libpq's messages span lines; the CLI prints one.
  static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .joined(separator: " ")
  }

  /// The field a server error names in its `COLUMN`, in the domain's words: the functions of
  /// the applied migrations name some by their command-line spelling, an option (`--site`,
  /// `--mrn`) or a positional argument (`NAME`), which this edge spells back as the domain
  /// does (`site`, `mrn`, `name`); other names are kept.
  static func column(_ error: PostgresError) -> String? {
    guard let column = error.column else { return nil }
    if column.hasPrefix("--") {
      return String(column.dropFirst(2)).replacingOccurrences(of: "-", with: "_")
    }
    if column == "NAME" { return "name" }
    return column
  }

  static func map(_ error: PostgresError) -> RegistryError {
    if error.isConnectionFailure {
      return RegistryError(.unavailable, field: "database", oneLine(error.message))
    }
    if let constraint = error.constraint, let known = constraintMessages[constraint] {
      var message = known.message
      if let detail = error.detail { message += " (\(detail))" }
      return conflictConstraints.contains(constraint)
        ? .conflict(known.field, message) : .refused(known.field, message)
    }
    switch error.sqlState {
    case .uniqueViolation:
      return .conflict(error.constraint ?? column(error) ?? "value", error.description)
    case .mrnAlreadyEnrolled:
      return .conflict(column(error) ?? "mrn", error.message)
    case .checkViolation, .notNullViolation:
      return .refused(error.constraint ?? column(error) ?? "value", error.description)
    case .foreignKeyViolation:
      return .notFound(error.constraint ?? "reference", error.detail ?? error.message)
    case .insufficientPrivilege:
      return RegistryError(.permissionDenied, field: error.table ?? "database", error.message)
    case .userRefused:
      return .refused(column(error) ?? "name", error.message)
    case .reasonRequired:
      return .refused("reason", error.message)
    case .auditAppendOnly:
      return RegistryError(.permissionDenied, field: "audit", error.message)
    case .auditRowNotFound:
      // The identity audit row a redaction names (its `COLUMN` is the CLI's `ID`).
      return .notFound("audit_row", error.message)
    case .gradeFiveNeedsDeath:
      return .refused("grade", error.message)
    case .deathNeededByGradeFive:
      return .refused("event", error.message)
    case .protocolImmutable, .patientStatusTransition, .lotStatusTransition, .infusionRefused,
      .infusionImmutable, .relatednessNeedsInfusion, .unknownSite,
      .studyIDsExhausted, .redactionRefused:
      return .refused(column(error) ?? "value", error.message)
    case .stringDataRightTruncation, .numericValueOutOfRange, .invalidDatetimeFormat,
      .datetimeFieldOverflow, .invalidTextRepresentation, .characterNotInRepertoire:
      return .refused(column(error) ?? "value", error.message)
    default:
      return RegistryError(.internal, field: "database", error.description)
    }
  }
}
