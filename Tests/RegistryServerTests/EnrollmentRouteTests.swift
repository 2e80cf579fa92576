import Foundation
import PostgresClient
import RegistryService
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 16, items 3–5 over real HTTP: `POST /patients` under the coordinator's own role,
/// the audit trail naming the coordinator, site scoping, problem+json and Idempotency-Key.
@Suite(.blocking) struct EnrollmentRouteTests {
  static func candidate(mrn: String, site: String = "PAN") -> [String: Any] {
    [
      "protocol": "SLE-UCMSC", "site": site, "mrn": mrn, "given": "Ana", "family": "Test",
      "birth_date": "1990-04-02", "sex": "F", "consent_version": "1.0",
      "consent_date": "2026-05-20", "enrolled_on": "2026-06-01",
      "sledai_descriptors": "arthritis,rash,low_complement,proteinuria",
      "eular_acr_items": "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",
      "ana_titer": 320, "pga": 1.5, "upcr": 1.8, "creatinine": 1.1,
    ]
  }

  /// A served fixture and a signed-in coordinator of PAN.
  struct Signed {
    let s: ServiceIdentityTests.Service
    let server: ServerProcess
    let token: String
    let coordinator: String

    init(_ db: TestDatabase) throws {
      s = try ServiceIdentityTests.Service(db)
      coordinator = s.f.logins.coordinatorName("PAN")
      try UserService(s.f.admin).setPassword(
        name: coordinator, password: ServiceIdentityTests.password)
      server = try ServerProcess(conninfo: s.conninfo)
      let r = try server.request(
        "POST", "/session", json: ["user": coordinator, "password": ServiceIdentityTests.password])
      token = try #require(r.object?["token"] as? String, "\(r.text)")
    }
  }

  static func count(_ db: TestDatabase, mrnLike: String) throws -> Int {
    try db.connect().query(
      "SELECT count(*)::int AS n FROM identity.patient_identity WHERE mrn LIKE $1", [mrnLike]
    ).rows[0].decode("n")
  }

  @Test func aCoordinatorEnrollsThroughTheServiceAndTheAuditNamesThem() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let r = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-1"), token: t.token)
      #expect(r.status == 201, "\(r.text)")
      let studyID = try #require(r.object?["study_id"] as? String)
      #expect(studyID.hasPrefix("SLE-PAN-"))
      let who: [String] = try db.connect().query(
        "SELECT DISTINCT db_role FROM audit.log WHERE table_name = 'registry.patient' AND row_key = $1",
        [studyID]
      ).rows.map { try $0.decode("db_role") }
      #expect(who == [t.coordinator], "\(who)")
      let shown = try t.server.request("GET", "/patients/\(studyID)", token: t.token)
      #expect(shown.status == 200, "\(shown.text)")

      // Site B: enrolling there is refused, a BOG patient is unknown to PAN's coordinator.
      let atBOG = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-B1", site: "BOG"), token: t.token)
      #expect([403, 404].contains(atBOG.status), "\(atBOG.text)")
      let bog = try EnrollmentService(t.s.f.coordinator("BOG")).enroll(
        try RegistryFixture.sleCandidate(mrn: "BOG-HTTP-1", site: "BOG"))
      let hidden = try t.server.request("GET", "/patients/\(bog.studyID)", token: t.token)
      #expect(hidden.status == 404, "\(hidden.text)")
      #expect(try Self.count(db, mrnLike: "HTTP-B%") == 0)

      // Refusals are problem+json with the field as a JSON Pointer; nothing is written.
      var bad = Self.candidate(mrn: "HTTP-2")
      bad["birth_date"] = "not a date"
      let refused = try t.server.request("POST", "/patients", json: bad, token: t.token)
      #expect(refused.status == 422, "\(refused.text)")
      #expect(refused.object?["pointer"] as? String == "/birth_date", "\(refused.text)")
      let duplicate = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-1"), token: t.token)
      #expect(duplicate.status == 409, "\(duplicate.text)")
      #expect(try Self.count(db, mrnLike: "HTTP-%") == 1)
    }
  }

  @Test func anIdempotentRetryEnrollsOnce() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let key = ["Idempotency-Key": "enroll-HTTP-7"]
      let first = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-7"), token: t.token, headers: key)
      #expect(first.status == 201, "\(first.text)")
      let again = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-7"), token: t.token, headers: key)
      #expect(again.status == 201, "\(again.text)")
      #expect(again.body == first.body)
      #expect(again.headers["idempotent-replayed"] == "true")
      #expect(try Self.count(db, mrnLike: "HTTP-7") == 1)
      // The same key for another request: 409, nothing written.
      let other = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-8"), token: t.token, headers: key)
      #expect(other.status == 409, "\(other.text)")
      #expect(try Self.count(db, mrnLike: "HTTP-8") == 0)

      // A response dropped on the way (the client hangs up at once), then the retry.
      let body = try JSONSerialization.data(withJSONObject: Self.candidate(mrn: "HTTP-9"))
      try Self.sendAndHangUp(
        port: t.server.baseURL.port ?? 0,
        "POST /patients HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(t.token)\r\n"
          + "Content-Type: application/json\r\nIdempotency-Key: enroll-HTTP-9\r\n"
          + "Content-Length: \(body.count)\r\n\r\n" + String(decoding: body, as: UTF8.self))
      let retry = try t.server.request(
        "POST", "/patients", json: Self.candidate(mrn: "HTTP-9"), token: t.token,
        headers: ["Idempotency-Key": "enroll-HTTP-9"])
      #expect(retry.status == 201, "\(retry.text)")
      #expect(try Self.count(db, mrnLike: "HTTP-9") == 1)
    }
  }

  /// Writes a raw HTTP request to the server and closes the socket without reading.
  static func sendAndHangUp(port: Int, _ request: String) throws {
    guard let socket = RawSocket(port: port) else { throw ServerFailureForTest("connect failed") }
    defer { socket.close() }
    try socket.send(request)
  }

  struct ServerFailureForTest: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
  }
}
