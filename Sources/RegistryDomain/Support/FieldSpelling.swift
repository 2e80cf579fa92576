import Foundation

/// How one edge of the registry spells the domain's field names.
///
/// Errors name their field as the domain does (`weight_kg`, `cells`, `lot`); each edge maps
/// that name once, with its own `FieldSpelling`: the command line to its options
/// (`--weight-kg`), a CSV import to its columns, the HTTP API to JSON Pointers
/// (`/weight_kg`). A spelling is a table of exceptions over a rule, so an edge lists only
/// what its rule does not produce, and a command can add its own exceptions
/// (`adding(["lot": "LOT"])` where the lot is a positional argument).
public struct FieldSpelling: Sendable {
  /// What this spelling is for, in messages (`CLI option`, `JSON Pointer`).
  public let name: String
  /// Spellings that the rule does not produce, by domain field name.
  public private(set) var exceptions: [String: String]
  /// The spelling of a field without an exception.
  let rule: @Sendable (String) -> String

  /// A spelling: `exceptions` first, else `rule` (by default the field name unchanged).
  public init(
    _ name: String, exceptions: [String: String] = [:],
    rule: @escaping @Sendable (String) -> String = { $0 }
  ) {
    self.name = name
    self.exceptions = exceptions
    self.rule = rule
  }

  /// The edge's spelling of a domain field name.
  public func callAsFunction(_ field: String) -> String { exceptions[field] ?? rule(field) }

  /// This spelling with more exceptions (later ones win).
  public func adding(_ more: [String: String]) -> FieldSpelling {
    var copy = self
    copy.exceptions.merge(more) { _, new in new }
    return copy
  }

  /// The error with its field spelled for this edge (message and details unchanged).
  public func spelled(_ error: RegistryError) -> RegistryError {
    var copy = error
    copy.field = self(error.field)
    return copy
  }

  /// The option that gives a field on the command line: `weight_kg` → `--weight-kg`; a
  /// positional argument's name (`ID`, upper case) stays as it is. The rule of `mscreg`'s
  /// options, and how a message names an input to give (`MELD needs --bilirubin`), since
  /// messages are not re-spelled per edge.
  public static let option = FieldSpelling("option") { field in
    field.contains(where: \.isLowercase)
      ? "--" + field.replacingOccurrences(of: "_", with: "-") : field
  }

  /// A screening list's columns (`patient import`): the domain's field names themselves
  /// (`birth_date`, `consent_version`, `anti_dsdna`).
  public static let csvColumn = FieldSpelling("CSV column")

  /// RFC 6901 JSON Pointer to a member of the request body: `weight_kg` → `/weight_kg`
  /// (`~` and `/` escaped as `~0` and `~1`).
  public static let jsonPointer = FieldSpelling("JSON Pointer") { field in
    "/" + field.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
  }
}
