import Foundation
import PostgresClient
import RegistryService
import TestSupport
import Testing

@testable import RegistryServer

/// Issue 16, items 3 and 4 over real HTTP: `mscreg serve` on a loopback port, signing in with
/// passwords PostgreSQL checks, bearer tokens, problem+json errors, one log line per request.
@Suite(.blocking) struct SessionRouteTests {
  @Test func signInSessionsAndTokens() throws {
    try TestDatabase.with { db in
      let s = try ServiceIdentityTests.Service(db)
      let coordinator = s.f.logins.coordinatorName("PAN")
      let password = ServiceIdentityTests.password
      try UserService(s.f.admin).setPassword(name: coordinator, password: password)
      let server = try ServerProcess(conninfo: s.conninfo)
      defer { server.stop() }

      #expect(try server.request("GET", "/healthz").status == 200)
      let contract = try server.request("GET", "/openapi.yaml")
      #expect(contract.status == 200 && contract.text.hasPrefix("openapi: 3.1"))

      // Wrong password, unknown user, a user the server trusts without a password: 401.
      for (user, pw) in [
        (coordinator, "not the password"), ("nobody_here", password),
        (s.f.logins.monitorName, "anything long enough"),
      ] {
        let r = try server.request("POST", "/session", json: ["user": user, "password": pw])
        #expect(r.status == 401, "\(user): \(r.text)")
        #expect(r.headers["content-type"] == "application/problem+json")
        #expect(r.object?["status"] as? Int == 401)
      }
      let malformed = try server.request("POST", "/session", body: Data("{".utf8))
      #expect(malformed.status == 400, "\(malformed.text)")

      // No token, a forged one: 401.
      #expect(try server.request("GET", "/sites").status == 401)
      let forged = coordinator + "." + String(repeating: "A", count: 43)
      #expect(try server.request("GET", "/sites", token: forged).status == 401)

      let signIn = try server.request(
        "POST", "/session", json: ["user": coordinator, "password": password])
      #expect(signIn.status == 201, "\(signIn.text)")
      let token = try #require(signIn.object?["token"] as? String)
      let expires = try #require(signIn.object?["expires_at"] as? String)
      #expect(ISO8601DateFormatter().date(from: expires).map { $0 > Date() } == true)
      // Only the digest is stored.
      let stored = try db.connect().query(
        "SELECT encode(token_digest, 'hex') AS d FROM registry.api_session"
      )
      .rows.map { try $0.decode("d", as: String.self) }
      #expect(stored.count == 1 && !stored[0].contains(token))

      let sites = try server.request("GET", "/sites", token: token)
      #expect(sites.status == 200, "\(sites.text)")
      let codes = (try JSONSerialization.jsonObject(with: sites.body) as? [[String: Any]])?
        .compactMap { $0["code"] as? String }
      #expect(codes == ["BOG", "GZU", "PAN"])

      // Signing out ends the token.
      #expect(try server.request("DELETE", "/session", token: token).status == 204)
      #expect(try server.request("GET", "/sites", token: token).status == 401)

      // One line per request; no password, token or path with values in the log.
      #expect(server.stop() == 0)
      let log = server.log
      #expect(log.contains("route=/sites") && log.contains("status=200"))
      #expect(log.contains("user=\(coordinator)"))
      #expect(!log.contains(password) && !log.contains(token))
    }
  }

  /// `registry.session_valid` (PL/pgSQL since 0134) inside every request's transaction: a
  /// session past its expiry is refused, and one user's secret under another user's name is
  /// not a session of that other user, while the rightful tokens keep working.
  @Test func anExpiredSessionAndAnotherUsersSecretAreRefused() throws {
    try TestDatabase.with { db in
      let s = try ServiceIdentityTests.Service(db)
      let password = ServiceIdentityTests.password
      let pan = s.f.logins.coordinatorName("PAN")
      let bog = s.f.logins.coordinatorName("BOG")
      for name in [pan, bog] {
        try UserService(s.f.admin).setPassword(name: name, password: password)
      }
      let server = try ServerProcess(conninfo: s.conninfo)
      defer { server.stop() }
      func signIn(_ user: String) throws -> String {
        let r = try server.request("POST", "/session", json: ["user": user, "password": password])
        return try #require(r.object?["token"] as? String, "\(r.text)")
      }
      let panToken = try signIn(pan)
      let bogToken = try signIn(bog)
      #expect(try server.request("GET", "/sites", token: panToken).status == 200)
      #expect(try server.request("GET", "/sites", token: bogToken).status == 200)

      // BOG's secret presented under PAN's name.
      let secret = try #require(bogToken.split(separator: ".", maxSplits: 1).last)
      let borrowed = try server.request("GET", "/sites", token: pan + "." + secret)
      #expect(borrowed.status == 401, "\(borrowed.text)")

      // PAN's session expires (as the superuser, with a reason, as every audited change).
      _ = try db.connect().execute(
        """
        SELECT set_config('mscreg.reason', 'test: the session expires', false);
        UPDATE registry.api_session SET created_at = now() - interval '2 hours',
          expires_at = now() - interval '1 hour' WHERE role_name = '\(pan)'
        """)
      let expired = try server.request("GET", "/sites", token: panToken)
      #expect(expired.status == 401, "\(expired.text)")
      #expect(expired.headers["content-type"] == "application/problem+json")
      #expect(try server.request("GET", "/sites", token: bogToken).status == 200)
    }
  }

  @Test func bearerTokensAreReadFromTheAuthorizationHeader() {
    #expect(RegistryRoutes.bearer("Bearer abc.DEF") == "abc.DEF")
    #expect(RegistryRoutes.bearer("bearer abc.DEF") == "abc.DEF")
    #expect(RegistryRoutes.bearer("BEARER \tabc.DEF \t ") == "abc.DEF")
    #expect(RegistryRoutes.bearer("Bearer  ") == "")
    #expect(RegistryRoutes.bearer("Basic abc.DEF") == nil)
    #expect(RegistryRoutes.bearer("Bearer") == nil)
    #expect(RegistryRoutes.bearer(nil) == nil)
  }

  @Test func fieldsBecomeJSONPointers() {
    #expect(Problem.pointer(forField: "study_id") == nil)
    #expect(Problem.pointer(forField: "weight_kg") == "/weight_kg")
    #expect(Problem.pointer(forField: "site.code") == "/site/code")
    #expect(Problem.pointer(forField: "database") == nil)
    #expect(Problem.pointer(forField: "registry.enroll") == nil)
  }
}
