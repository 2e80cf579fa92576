import Foundation
import PostgresClient

/// Sessions of the registry service (`registry.api_session`, migration 0121): only a token's
/// SHA-256 digest is stored. Every call runs under the acting user's role and sees only that
/// user's sessions.
public struct SessionRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Opens a session of the acting user for `lifetime` seconds (the database caps it at 24
  /// hours); returns its expiry.
  public func open(digest: [UInt8], lifetime: Int) throws -> Date {
    try store.mapped {
      let row = try store.query(
        """
        SELECT extract(epoch FROM registry.session_open(
          decode(\(Store.hexadecimal(digest)), 'hex'), make_interval(secs => \(lifetime))))::float8 AS until
        """
      ).rows[0]
      return Date(timeIntervalSince1970: try row.decode("until", as: Double.self))
    }
  }

  /// True when `digest` is a live session of the acting user.
  public func isValid(digest: [UInt8]) throws -> Bool {
    try store.mapped {
      try store.query(
        "SELECT registry.session_valid(decode(\(Store.hexadecimal(digest)), 'hex')) AS ok"
      )
      .rows[0].decode("ok", as: Bool.self)
    }
  }

  /// True when `digest` is a live session of `user`, checked as `user` in one round trip
  /// (`Store.readAsRole`), outside any transaction: the service's check of every request.
  public func isValid(digest: [UInt8], of user: String) throws -> Bool {
    try store.readAsRole(
      user, "SELECT registry.session_valid(decode('\(Store.hexadecimal(digest))', 'hex')) AS ok"
    )[0].decode("ok", as: Bool.self)
  }

  /// Ends a session of the acting user; false when there was none.
  public func close(digest: [UInt8]) throws -> Bool {
    try store.mapped {
      try store.query(
        "SELECT registry.session_close(decode(\(Store.hexadecimal(digest)), 'hex')) AS ok"
      )
      .rows[0].decode("ok", as: Bool.self)
    }
  }
}
