import Foundation
import Hummingbird

/// One page of a list: its items and the cursor of the next page (null on the last).
struct Page<Item: Encodable>: Encodable {
  let items: [Item]
  let nextCursor: String?

  enum CodingKeys: String, CodingKey {
    case items
    case nextCursor = "next_cursor"
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(items, forKey: .items)
    try c.encode(nextCursor, forKey: .nextCursor)  // null, not left out, on the last page
  }
}

/// The `limit` and `cursor` query parameters of a list.
///
/// Every list has a stable order by a sort key that is unique per item (a study ID; an id
/// zero-padded to 20 digits; for visits due the state, window start, study ID and visit). A
/// cursor is the base64url (RFC 4648 §5, no padding) of the sort key of the last item of the
/// page before: the next page holds the items whose key sorts after it (keyset pagination),
/// so a page never repeats or skips an item that was there on both requests, whatever was
/// added or removed in between. Clients treat it as opaque.
struct Paging {
  /// The most items of a page (default 50, 1–500).
  let limit: Int
  /// The sort key after which the page starts (nil: the first page).
  let after: String?

  static let defaultLimit = 50
  static let maxLimit = 500

  /// The paging of a request's query; 400 for a malformed limit or cursor.
  init(_ request: Request) throws {
    let query = request.uri.queryParameters
    if let text = query.get("limit") {
      guard let n = Int(text), (1...Self.maxLimit).contains(n) else {
        throw Problem(
          status: .badRequest, title: "Malformed request",
          detail: "limit must be a whole number from 1 to \(Self.maxLimit)", parameter: "limit")
      }
      limit = n
    } else {
      limit = Self.defaultLimit
    }
    if let cursor = query.get("cursor"), !cursor.isEmpty {
      guard let key = Self.key(ofCursor: cursor) else {
        throw Problem(
          status: .badRequest, title: "Malformed request",
          detail: "cursor is not one this service gave (take next_cursor of the previous page)",
          parameter: "cursor")
      }
      after = key
    } else {
      after = nil
    }
  }

  /// The cursor of a sort key.
  static func cursor(ofKey key: String) -> String {
    Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  /// The sort key of a cursor; nil when it is not base64url of UTF-8 text.
  static func key(ofCursor cursor: String) -> String? {
    guard
      cursor.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
    else { return nil }
    var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(
      of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    guard let data = Data(base64Encoded: text), !data.isEmpty,
      let key = String(data: data, encoding: .utf8),
      key.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f })
    else { return nil }
    return key
  }

  /// The page of a list fetched with one item more than `limit` (the database's keyset
  /// query): the extra item only tells that there is a next page.
  func page<Item>(fetched items: [Item], key: (Item) -> String) -> Page<Item> {
    guard items.count > limit else { return Page(items: items, nextCursor: nil) }
    let shown = Array(items.prefix(limit))
    return Page(items: shown, nextCursor: shown.last.map { Self.cursor(ofKey: key($0)) })
  }

  /// The page of a whole list that a use case returns at once (a patient's records): sorted
  /// by `key`, the items after the cursor's key, at most `limit`.
  func page<Item>(of items: [Item], key: (Item) -> String) -> Page<Item> {
    let sorted = items.map { (key: key($0), item: $0) }.sorted { $0.key < $1.key }
    let rest = sorted.drop(while: { entry in after.map { entry.key <= $0 } ?? false })
    return page(fetched: Array(rest.prefix(limit + 1)).map(\.item), key: key)
  }

  /// The sort key of a numeric id: zero-padded, so that text order is number order.
  static func key(_ id: Int64) -> String {
    let digits = String(id)
    return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
  }
}
