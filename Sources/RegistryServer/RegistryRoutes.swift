import Foundation
import Hummingbird
import RegistryDomain
import RegistryService

/// The routes: each parses its request, checks the session token, makes one service call
/// under the user's role, and encodes the result. No SQL, no rule.
struct RegistryRoutes: Sendable {
  let pool: DatabasePool
  let sessions: SessionService
  let configuration: ServerConfiguration

  func register(on router: Router<RegistryRequestContext>) {
    router.get("healthz") { _, _ in try await health() }
    router.get("openapi.yaml") { _, _ in try openAPI() }
    router.post("session") { request, context in try await signIn(request, context) }
    router.delete("session") { request, context in try await signOut(request, context) }
    router.get("sites") { request, context in
      let user = try user(of: request, context: context)
      return try json(try await pool.perform(as: user) { try SiteService($0).list() })
    }
    PatientRoutes(api: self).register(on: router)
    ClinicalRoutes(api: self).register(on: router)
    AdminRoutes(api: self).register(on: router)
    ReportRoutes(api: self).register(on: router)
  }

  // MARK: Service routes

  /// `GET /healthz`: 200 `ok` when the database answers, else 503.
  func health() async throws -> Response {
    try await blocking { try pool.ping() }
    return Response(
      status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
  }

  /// `GET /openapi.yaml`: the contract.
  func openAPI() throws -> Response {
    guard let data = FileManager.default.contents(atPath: configuration.openAPIDocument.path)
    else {
      throw Problem(
        status: .internalServerError, title: "Internal error",
        detail: "openapi.yaml is missing from this installation")
    }
    return Response(
      status: .ok, headers: [.contentType: "application/yaml"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  // MARK: Sessions

  struct SignIn: Decodable {
    let user: String
    let password: String
  }

  struct SessionBody: Encodable {
    let token: String
    let expires_at: String
  }

  /// `POST /session` `{"user", "password"}` → 201 `{"token", "expires_at"}`; 401 when
  /// PostgreSQL does not accept the password.
  func signIn(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let body = try await request.decode(as: SignIn.self, context: context)
    let lifetime = configuration.sessionLifetime
    let opened = try await blocking {
      try sessions.open(user: body.user, password: body.password, lifetime: lifetime)
    }
    guard let opened else { throw Self.unauthorized("the user name or password is wrong") }
    context.actingUser.value = body.user
    return try json(
      SessionBody(token: opened.token, expires_at: Self.timestamp(opened.expiresAt)),
      status: .created)
  }

  /// `DELETE /session`: ends the session of the request's token (204; 401 when it is not a
  /// live session).
  func signOut(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    _ = try user(of: request, context: context)
    guard let token = Self.bearer(request.headers[.authorization]) else {
      throw Self.unauthorized("no bearer token")
    }
    guard try await blocking({ try sessions.close(token) }) else {
      throw Self.unauthorized("the session token is unknown or expired")
    }
    return Response(status: .noContent)
  }

  // MARK: Helpers

  /// Runs blocking work (libpq calls) on one of the pool's worker threads
  /// (`DatabasePool.offload`), off the event loop and Swift's cooperative pool.
  func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await pool.offload(body)
  }

  /// The credential of the request's bearer token: the user it names and its digest; 401
  /// when there is no well-formed token. Whether it is a live session is checked by the
  /// database inside the use case's own transaction (`DatabasePool.perform(as:_:)` with the
  /// credential), so a request costs no separate round trip for it.
  func user(of request: Request, context: RegistryRequestContext) throws -> SessionCredential {
    guard let token = Self.bearer(request.headers[.authorization]) else {
      throw Self.unauthorized("sign in with POST /session and send Authorization: Bearer TOKEN")
    }
    guard let credential = sessions.credential(of: token) else {
      throw Self.unauthorized("the session token is unknown or expired")
    }
    context.actingUser.value = credential.user
    return credential
  }

  /// The token of an `Authorization: Bearer TOKEN` header (scheme in any case, blanks around
  /// the token ignored), or nil. Blanks are spaces and tabs, trimmed byte by byte: Foundation's
  /// `trimmingCharacters(in:)` was 2 % of the service's CPU per request.
  static func bearer(_ authorization: String?) -> String? {
    guard let value = authorization else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
    var token = parts[1].utf8[...]
    while let first = token.first, blank(first) { token = token.dropFirst() }
    while let last = token.last, blank(last) { token = token.dropLast() }
    return String(Substring(token))
  }

  static func unauthorized(_ detail: String) -> Problem {
    Problem(status: .unauthorized, title: "Not signed in", detail: detail)
  }

  static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
  }

  /// A JSON response (keys sorted, so equal values give equal bytes).
  func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    return Response(
      status: status, headers: [.contentType: "application/json"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }
}
