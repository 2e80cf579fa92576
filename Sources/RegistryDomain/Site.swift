/// A research site. Its code appears in study IDs (`SLE-PAN-0001`).
public struct Site: Sendable, Equatable, Codable {
  /// 2–8 capital letters or digits, starting with a letter (`PAN`).
  public let code: String
  /// Display name.
  public let name: String
  /// ISO 3166-1 alpha-2 country code, if given.
  public let country: String?

  /// Creates a site value (no validation; see `Site.validated`).
  public init(code: String, name: String, country: String?) {
    self.code = code
    self.name = name
    self.country = country
  }

  /// Checks the fields a user typed and returns the site, or throws `.refused` naming the field.
  public static func validated(code: String, name: String, country: String?) throws -> Site {
    try InputText.check([("code", code), ("country", country)])
    let codeOK =
      (2...8).contains(code.count) && code.first.map { $0.isASCII && $0.isUppercase } == true
      && code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    guard codeOK else {
      throw RegistryError.refused(
        "code",
        "site code \"\(code.prefix(40))\" must be 2–8 capital letters or digits, starting with a letter"
      )
    }
    try InputText.check(name, field: "name")
    let trimmed = name.trimmingCharacters(in: .whitespaces)
    guard (1...200).contains(trimmed.count) else {
      throw RegistryError.refused("name", "must be 1–200 characters without control characters")
    }
    if let country {
      guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
        throw RegistryError.refused(
          "country", "\"\(country.prefix(20))\" is not a two-letter ISO 3166 code such as PA")
      }
    }
    return Site(code: code, name: trimmed, country: country)
  }
}
