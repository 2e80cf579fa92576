import Foundation
import PostgresClient

/// The registry service's Idempotency-Key records (`registry.idempotent_request`, migration
/// 0122), under the acting user's role: a user sees only their own keys.
public struct IdempotencyRepository {
  let store: Store

  /// A repository over an open store (call inside a transaction).
  public init(_ store: Store) { self.store = store }

  /// What an earlier request with the same key left.
  public struct Prior: Sendable {
    /// SHA-256 of the earlier request (method, route, body).
    public let digest: [UInt8]
    /// Its response's status and body (nil when none was stored).
    public let status: Int?
    public let body: String?
  }

  /// Claims `key` for the acting user; nil when the claim is new, else the earlier request.
  /// A concurrent claim of the same key waits here until the other transaction ends.
  public func claim(key: String, digest: [UInt8]) throws -> Prior? {
    try store.mapped {
      let rows = try store.query(
        """
        SELECT encode(prior_digest, 'hex') AS d, prior_status AS s, prior_body AS b
        FROM registry.idempotent_claim(\(key), decode(\(Store.hexadecimal(digest)), 'hex'))
        """
      ).rows
      guard let row = rows.first else { return nil }
      return Prior(
        digest: Self.bytes(try row.decode("d", as: String.self)),
        status: try row.decode("s", as: Int?.self), body: try row.decode("b", as: String?.self))
    }
  }

  /// Stores the response of the acting user's claimed `key`.
  public func finish(key: String, status: Int, body: String) throws {
    try store.mapped {
      try store.query("SELECT registry.idempotent_finish(\(key), \(status), \(body))")
    }
  }

  static func bytes(_ hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
      result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
      index = next
    }
    return result
  }
}
