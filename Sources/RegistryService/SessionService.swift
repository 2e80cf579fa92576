import Crypto
import Foundation
import RegistryDomain
import RegistryStore

/// A bearer token of the registry service and when it stops being accepted.
public struct ServiceSession: Sendable, Equatable {
  /// `USER.SECRET`: the user's login name, a dot, and 32 random bytes in base64url. Only its
  /// SHA-256 digest is stored.
  public let token: String
  /// The end of the session.
  public let expiresAt: Date
}

/// Who a request of the registry service acts as: the user a session token names and the
/// token's digest, checked by the database inside each transaction of the use case
/// (`DatabasePool.run(as:_:)`), not before it.
public struct SessionCredential: Sendable, Equatable {
  /// The registry user (a database role) the token names.
  public let user: String
  /// SHA-256 of the token (what `registry.api_session` stores).
  let digest: [UInt8]
}

/// Signing in to the registry service: passwords checked by PostgreSQL itself, sessions kept
/// as token digests (`registry.api_session`) under each user's own role.
public struct SessionService: Sendable {
  let pool: DatabasePool

  /// The service over the service login's pool.
  public init(_ pool: DatabasePool) { self.pool = pool }

  /// Opens a session for `user` when `password` is theirs; nil when it is not (wrong
  /// password, unknown login, a login the server lets in without a password, or one that is
  /// not a user of this registry). `lifetime` in seconds (the database caps it at 24 hours).
  /// Throws `.unavailable` when the database cannot be reached.
  public func open(user: String, password: String, lifetime: Int) throws -> ServiceSession? {
    guard Self.isUserName(user), !password.isEmpty else { return nil }
    guard try Store.passwordAccepted(conninfo: pool.conninfo, user: user, password: password)
    else { return nil }
    var bytes = [UInt8](repeating: 0, count: 32)
    var generator = SystemRandomNumberGenerator()
    for i in bytes.indices { bytes[i] = generator.next() }
    let token = user + "." + Self.base64url(bytes)
    do {
      let until = try pool.run(as: user) { database in
        let store = try database.open()
        return try store.transaction(reason: "session opened") {
          try SessionRepository(store).open(digest: Self.digest(token), lifetime: lifetime)
        }
      }
      return ServiceSession(token: token, expiresAt: until)
    } catch let error as RegistryError where error.kind == .permissionDenied {
      return nil
    }
  }

  /// The user whose live session `token` is, or nil. Throws `.unavailable` when the database
  /// cannot be reached.
  public func user(of token: String) throws -> String? {
    guard let user = Self.user(in: token) else { return nil }
    do {
      // One round trip as the user (Store.readAsRole), not a transaction of four: on a short
      // request this check was as much database time as the request's own work.
      let valid = try pool.run(as: nil) { database in
        let store = try database.open()
        return try SessionRepository(store).isValid(digest: Self.digest(token), of: user)
      }
      return valid ? user : nil
    } catch let error as RegistryError where error.kind == .permissionDenied {
      return nil
    }
  }

  /// The credential a well-formed token carries, without asking the database (nil for a
  /// malformed token): whether it is a live session is checked inside the use case's own
  /// transaction (`DatabasePool.run(as:_:)` with a credential).
  public func credential(of token: String) -> SessionCredential? {
    guard let user = Self.user(in: token) else { return nil }
    return SessionCredential(user: user, digest: Self.digest(token))
  }

  /// Ends the session `token`; false when it was not a live session.
  public func close(_ token: String) throws -> Bool {
    guard let user = Self.user(in: token) else { return false }
    do {
      return try pool.run(as: user) { database in
        let store = try database.open()
        return try store.transaction(reason: "session ended") {
          try SessionRepository(store).close(digest: Self.digest(token))
        }
      }
    } catch let error as RegistryError where error.kind == .permissionDenied {
      return false
    }
  }

  /// The user a well-formed token names.
  static func user(in token: String) -> String? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, isUserName(String(parts[0])), parts[1].count == 43 else { return nil }
    return String(parts[0])
  }

  /// `[a-z][a-z0-9_]{1,39}`, checked byte by byte (it runs for every request; a Swift
  /// regular expression literal is parsed anew on each use).
  static func isUserName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (2...40).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0])
    else { return false }
    return bytes.dropFirst().allSatisfy {
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
    }
  }

  static func digest(_ token: String) -> [UInt8] {
    Array(SHA256.hash(data: Data(token.utf8)))
  }

  static func base64url(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }
}
