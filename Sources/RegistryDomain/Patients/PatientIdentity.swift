/// Direct identifiers of a patient. Stored only in the `identity` schema; never in reports or
/// de-identified exports.
public struct PatientIdentity: Sendable, Equatable, Codable {
  /// Medical record number in its normal form (`InputText.normalizedMRN`): NFKC, no format
  /// characters, no surrounding spaces; stored and compared so.
  public let mrn: String
  /// Given name.
  public let givenName: String
  /// Family name.
  public let familyName: String
  /// Date of birth.
  public let birthDate: CalendarDate
  /// Contact details (free text), if given.
  public let contact: String?

  enum CodingKeys: String, CodingKey {
    case mrn, contact
    case givenName = "given_name"
    case familyName = "family_name"
    case birthDate = "birth_date"
  }

  /// Checks each field and returns the identity, or throws `.refused` naming the option.
  ///
  /// MRN: no control character or bidirectional override as given, then normalized
  /// (`InputText.normalizedMRN`) and 1–64 characters. Names: 1–200 characters, no control
  /// characters. Birth date: a real date not after `today`.
  public static func validated(
    mrn: String, givenName: String, familyName: String, birthDate: String, contact: String? = nil,
    today: CalendarDate = .today()
  ) throws -> PatientIdentity {
    try InputText.check(mrn, field: "mrn")
    let mrn = try TextField.validated(InputText.normalizedMRN(mrn), field: "mrn", maxLength: 64)
    let given = try TextField.validated(givenName, field: "given", maxLength: 200)
    let family = try TextField.validated(familyName, field: "family", maxLength: 200)
    guard let birth = CalendarDate(iso: birthDate) else {
      throw RegistryError.refused(
        "birth_date", "\"\(birthDate.prefix(40))\" is not a date (YYYY-MM-DD)")
    }
    guard birth <= today else {
      throw RegistryError.refused("birth_date", "\(birth) is in the future")
    }
    guard today.years(since: birth) <= 130 else {
      throw RegistryError.refused("birth_date", "\(birth) gives an age over 130 years")
    }
    let contact = try contact.map {
      try TextField.validated($0, field: "contact", maxLength: 500)
    }
    return PatientIdentity(
      mrn: mrn, givenName: given, familyName: family, birthDate: birth, contact: contact)
  }

  /// Creates an identity from stored, already validated values.
  public init(
    mrn: String, givenName: String, familyName: String, birthDate: CalendarDate, contact: String?
  ) {
    self.mrn = mrn
    self.givenName = givenName
    self.familyName = familyName
    self.birthDate = birthDate
    self.contact = contact
  }
}

/// Validation of free-text fields: trimmed, non-empty, bounded, and passing `InputText` (no
/// control character, no bidirectional override).
public enum TextField {
  /// Returns the trimmed text or throws `.refused(field, …)`.
  public static func validated(_ text: String, field: String, maxLength: Int) throws -> String {
    try InputText.check(text, field: field)
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw RegistryError.refused(field, "must not be empty") }
    guard trimmed.count <= maxLength else {
      throw RegistryError.refused(
        field, "is \(trimmed.count) characters long; at most \(maxLength)")
    }
    return trimmed
  }

  /// Parses an ISO date option, refusing with the option's name.
  public static func date(_ text: String, field: String) throws -> CalendarDate {
    guard let date = CalendarDate(iso: text) else {
      throw RegistryError.refused(field, "\"\(text.prefix(40))\" is not a date (YYYY-MM-DD)")
    }
    return date
  }
}
