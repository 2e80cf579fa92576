import RegistryDomain

/// A small JSON tree that keeps key order and writes numbers as the exact decimal text read
/// from the database (never through a `Double`), for the FHIR bundle.
indirect enum FHIRJSON {
  case string(String)
  case number(String)
  case bool(Bool)
  case array([FHIRJSON])
  case object([(String, FHIRJSON)])

  /// Compact JSON text.
  var text: String {
    var out = ""
    write(into: &out)
    return out
  }

  func write(into out: inout String) {
    switch self {
    case .string(let value): Self.quote(value, into: &out)
    case .number(let value): out += value
    case .bool(let value): out += value ? "true" : "false"
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        item.write(into: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { out += "," }
        Self.quote(key, into: &out)
        out += ":"
        value.write(into: &out)
      }
      out += "}"
    }
  }

  static func quote(_ value: String, into out: inout String) {
    out += "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case let s where s.value < 0x20:
        let hex = String(s.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }

  /// A JSON number from a database decimal's text; anything else is an internal error, so a
  /// clinical value is never silently altered or dropped.
  static func decimal(_ text: String, field: String) throws -> FHIRJSON {
    let pattern = text.utf8
    var index = pattern.startIndex
    if index < pattern.endIndex, pattern[index] == UInt8(ascii: "-") {
      index = pattern.index(after: index)
    }
    var digits = 0
    var dots = 0
    var leadingZero = false
    var first = true
    for byte in pattern[index...] {
      if byte == UInt8(ascii: ".") {
        dots += 1
        if digits == 0 { digits = -100 }
      } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        if first && byte == UInt8(ascii: "0") { leadingZero = true }
        if dots == 0 { digits += 1 }
        first = false
      } else {
        throw RegistryError(.internal, field: field, "not a decimal number: \(text)")
      }
    }
    guard digits > 0, dots <= 1, !(leadingZero && digits > 1), !text.hasSuffix(".") else {
      throw RegistryError(.internal, field: field, "not a JSON decimal: \(text)")
    }
    return .number(text)
  }
}
