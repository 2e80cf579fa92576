import Foundation

/// The one rule every text input passes, whatever its path (a command-line argument, a cell
/// of an import CSV, a protocol file, and later an HTTP body): no control character and no
/// bidirectional override or isolate; and the one normal form of a medical record number.
///
/// Refused: C0 controls (U+0000–U+001F, tab, CR and LF included: every field is one line, the
/// free-text reasons too, so that no value can break a line of the audit trail, a table or a
/// log), DEL and the C1 controls (U+007F–U+009F), and the bidirectional embeddings, overrides
/// and isolates U+202A–U+202E and U+2066–U+2069 (they make text read differently from what it
/// holds). Other format characters (zero-width space, word joiner, BOM …) are accepted in free
/// text; an MRN drops them (`normalizedMRN(_:)`).
public enum InputText {
  /// The first refused character of `text`, or nil.
  public static func refusedScalar(in text: String) -> Unicode.Scalar? {
    text.unicodeScalars.first(where: isRefused)
  }

  /// True for a control character or a bidirectional override or isolate.
  public static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.generalCategory == .control || bidiControls.contains(scalar.value)
  }

  /// U+202A–U+202E (embeddings and overrides) and U+2066–U+2069 (isolates).
  public static let bidiControls: Set<UInt32> = Set(0x202A...0x202E).union(0x2066...0x2069)

  /// Throws `.refused(field, …)` when `text` holds a refused character (exit 65).
  public static func check(_ text: String, field: String) throws {
    guard let scalar = refusedScalar(in: text) else { return }
    let code = "U+" + String(format: "%04X", scalar.value)
    let what =
      bidiControls.contains(scalar.value)
      ? "a bidirectional override or isolate (\(code))" : "a control character (\(code))"
    throw RegistryError.refused(
      field, "must not contain \(what); control characters and bidirectional overrides are refused")
  }

  /// Checks each named value (nil: not given).
  public static func check(_ fields: [(field: String, text: String?)]) throws {
    for (field, text) in fields {
      if let text { try check(text, field: field) }
    }
  }

  /// Checks command-line arguments, naming the option a value belongs to (`--term`, the
  /// `--term` of `--term=…`), or the argument's position for a positional argument.
  public static func checkArguments(_ arguments: [String]) throws {
    for (i, argument) in arguments.enumerated() {
      guard refusedScalar(in: argument) != nil else { continue }
      let field: String
      if argument.hasPrefix("--") {
        field = String(argument.prefix(while: { $0 != "=" }))
      } else if i > 0, arguments[i - 1].hasPrefix("-"), !arguments[i - 1].contains("=") {
        field = arguments[i - 1]
      } else {
        field = "argument \(i + 1)"
      }
      try check(argument, field: refusedScalar(in: field) == nil ? field : "argument \(i + 1)")
    }
  }

  /// The form in which an MRN is stored and compared: Unicode NFKC (so full-width `１２３` is
  /// `123`), with every format character (general category Cf: U+200B, U+2060, U+FEFF, soft
  /// hyphen …) removed and surrounding white space trimmed. Migration 0050 holds the database
  /// to the same form.
  public static func normalizedMRN(_ text: String) -> String {
    func droppingFormat(_ s: String) -> String {
      var scalars = String.UnicodeScalarView()
      scalars.append(
        contentsOf: s.unicodeScalars.filter { $0.properties.generalCategory != .format })
      return String(scalars)
    }
    let nfkc = droppingFormat(droppingFormat(text).precomposedStringWithCompatibilityMapping)
    return nfkc.trimmingCharacters(in: .whitespaces)
  }
}
