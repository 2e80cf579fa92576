import Foundation

/// Escaping and element building for the HTML report (HTML and inline SVG alike).
///
/// Every text the report inserts (labels, codes, titles) goes through `escape`, so the page is
/// well-formed XML as well as HTML: a group named `<script>` prints as text.
enum Markup {
  /// Text or an attribute value with `&`, `<`, `>`, `"` and `'` escaped.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  /// An element; `content` is markup already (escape text before passing it). Without
  /// content the element closes itself (`<line …/>`), which HTML accepts for SVG and void tags.
  static func element(
    _ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String? = nil
  ) -> String {
    var open = "<" + name
    for (key, value) in attributes { open += " \(key)=\"\(escape(value))\"" }
    guard let content else { return open + "/>" }
    return open + ">" + content + "</\(name)>"
  }

  /// An element holding escaped text.
  static func text(
    _ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ text: String
  ) -> String {
    element(name, attributes, escape(text))
  }

  /// A string usable as an HTML id: letters, digits, `-` and `_`; everything else becomes `-`.
  static func identifier(_ text: String) -> String {
    String(
      text.map { c -> Character in
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : "-"
      })
  }

  /// `text` cut to `limit` characters, with an ellipsis when cut.
  static func truncated(_ text: String, to limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
  }
}
