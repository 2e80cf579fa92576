import PostgresClient

/// The SQLSTATEs the registry's own triggers and functions raise (`RAISE … USING ERRCODE`).
///
/// Each code is declared here once; `StoreErrors` maps them to the error contract and
/// `RegistrySQLStateTests` checks that the migrations raise no code missing from `registryCodes`.
extension SQLState {
  /// `MR001`: an update or delete of an audited row needs a reason (`registry.reason`).
  public static let reasonRequired: SQLState = "MR001"
  /// `MR002`: an audited table keeps its rows; the statement (delete, truncate, forged audit row)
  /// is not allowed.
  public static let auditAppendOnly: SQLState = "MR002"
  /// `MR010`: a loaded protocol version (or one of its arms) is immutable.
  public static let protocolImmutable: SQLState = "MR010"
  /// `MR011`: a patient's status cannot make this transition.
  public static let patientStatusTransition: SQLState = "MR011"
  /// `MR020`: a lot's status cannot make this transition, or its characterisation is frozen.
  public static let lotStatusTransition: SQLState = "MR020"
  /// `MR021`: an infusion breaks a rule of the protocol or of the lot (status, expiry, dose…).
  public static let infusionRefused: SQLState = "MR021"
  /// `MR022`: a recorded infusion cannot be edited or deleted, only voided.
  public static let infusionImmutable: SQLState = "MR022"
  /// `MR030`: a grade 5 adverse event needs the patient's death recorded.
  public static let gradeFiveNeedsDeath: SQLState = "MR030"
  /// `MR031`: a death cannot be voided while a grade 5 adverse event needs it.
  public static let deathNeededByGradeFive: SQLState = "MR031"
  /// `MR032`: an adverse event related to MSC needs an infusion on or before its onset.
  public static let relatednessNeedsInfusion: SQLState = "MR032"
  /// `MR040`: a user name, role or site list given to user administration is refused.
  public static let userRefused: SQLState = "MR040"
  /// `MR050`: the MRN is already enrolled in the protocol.
  public static let mrnAlreadyEnrolled: SQLState = "MR050"
  /// `MR051`: the site does not exist.
  public static let unknownSite: SQLState = "MR051"
  /// `MR052`: the site has used every study ID of the protocol.
  public static let studyIDsExhausted: SQLState = "MR052"
  /// `MR060`: a redaction of the identity audit is refused (no reason, no such field).
  public static let redactionRefused: SQLState = "MR060"
  /// `MR061`: the identity audit row to redact does not exist.
  public static let auditRowNotFound: SQLState = "MR061"

  /// Every code the registry's SQL raises, in order.
  public static let registryCodes: [SQLState] = [
    .reasonRequired, .auditAppendOnly, .protocolImmutable, .patientStatusTransition,
    .lotStatusTransition, .infusionRefused, .infusionImmutable, .gradeFiveNeedsDeath,
    .deathNeededByGradeFive, .relatednessNeedsInfusion, .userRefused, .mrnAlreadyEnrolled,
    .unknownSite, .studyIDsExhausted, .redactionRefused, .auditRowNotFound,
  ]

  /// Whether this is one of the registry's own codes (class `MR`).
  public var isRegistryCode: Bool { errorClass == "MR" }
}
