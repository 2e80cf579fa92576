/// The one error type that crosses layers: what went wrong, which field, and how the CLI exits.
///
/// Every refusal names the field and the rule (`field` and `message`), so the CLI can print one
/// `error:` line. The `kind` decides the exit status of SPEC §5.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What sort of failure this is; decides the exit status.
  public enum Kind: String, Sendable, Equatable {
    /// Input or a rule refused (exit 65). Nothing was changed.
    case refused
    /// A conflict with what is stored: a duplicate (an MRN already enrolled, a code already
    /// taken), a record already in the state asked for, an Idempotency-Key reused for another
    /// request (exit 65, like a refusal; the HTTP API answers 409). Nothing was changed.
    case conflict
    /// Unknown study ID, lot, protocol, site or file (exit 66).
    case notFound
    /// The database cannot be reached (exit 69).
    case unavailable
    /// The database denied the acting role (exit 77).
    case permissionDenied
    /// A bug or an unexpected database state (exit 70).
    case `internal`
    /// Malformed command line (exit 64).
    case usage
    /// A statement waited longer than `lock_timeout` or ran longer than `statement_timeout`
    /// (exit 75, EX_TEMPFAIL: try again later). Nothing was changed.
    case timeout
    /// The request's credentials are missing, unknown or expired (the registry service's
    /// session token; HTTP 401, exit 77). Nothing was read or changed.
    case unauthenticated
  }

  /// What sort of failure this is.
  public var kind: Kind
  /// The field, option or entity the message is about (`--bilirubin`, `site.code`, …).
  public var field: String
  /// One line: the rule that was broken and the values involved.
  public var message: String
  /// Further lines (for example each failed eligibility criterion), printed after the first.
  public var details: [String]

  /// Creates an error of a kind about a field.
  public init(_ kind: Kind, field: String, _ message: String, details: [String] = []) {
    self.kind = kind
    self.field = field
    self.message = message
    self.details = details
  }

  /// A refusal of input or of a rule (exit 65).
  public static func refused(_ field: String, _ message: String, details: [String] = [])
    -> RegistryError
  { RegistryError(.refused, field: field, message, details: details) }

  /// A conflict with what is stored: a duplicate or a record already changed (exit 65).
  public static func conflict(_ field: String, _ message: String) -> RegistryError {
    RegistryError(.conflict, field: field, message)
  }

  /// Something named does not exist (exit 66).
  public static func notFound(_ field: String, _ message: String) -> RegistryError {
    RegistryError(.notFound, field: field, message)
  }

  /// The exit status of SPEC §5 for this kind.
  public var exitStatus: Int32 {
    switch kind {
    case .usage: 64
    case .refused, .conflict: 65
    case .notFound: 66
    case .unavailable: 69
    case .internal: 70
    case .timeout: 75
    case .permissionDenied, .unauthenticated: 77
    }
  }

  /// `field: message`, the text after `error: `.
  public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
