import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 16, items 1 and 5: `mscreg serve` over a PostgreSQL server that is killed and
/// restarted (a private cluster): requests during the outage, and a request in flight when
/// the server dies, get 503 problem+json; later ones succeed on the same server process,
/// which also shuts down cleanly on SIGTERM; an Idempotency-Key retry after the crash enrolls
/// exactly once.
@Suite(.blocking) struct ServiceOutageTests {
  static let password = "outage test password"

  /// A private cluster, migrated, with site PAN, the SLE protocol, a coordinator of PAN and a
  /// service login; `mscreg serve` on it, and the coordinator's session token.
  struct Outage {
    let cluster: PrivateCluster
    let server: ServerProcess
    let token: String

    init(pool: Int, environment: [String: String] = [:]) throws {
      cluster = try PrivateCluster()
      do {
        let migrate = try CLIRunner.run(
          ["db", "migrate"], environment: ["MSCREG_DATABASE": cluster.conninfo])
        try #require(migrate.status == 0, "\(migrate.stderr)")
        let owner = RegistryDatabase(conninfo: cluster.conninfo)
        _ = try UserService(owner).add(name: "out_admin", role: .admin, sites: [])
        let admin = RegistryDatabase(conninfo: cluster.conninfo + " user=out_admin")
        _ = try SiteService(admin).add(code: "PAN", name: "Panama", country: "PA")
        _ = try ProtocolService(admin).load(
          file: RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml"))
        _ = try UserService(admin).add(
          name: "out_coord", role: .coordinator, sites: ["PAN"],
          password: ServiceOutageTests.password)
        _ = try UserService(admin).add(
          name: "out_svc", role: .service, sites: [], password: ServiceOutageTests.password)
        server = try ServerProcess(
          conninfo: cluster.conninfo + " user=out_svc password='\(ServiceOutageTests.password)'",
          arguments: ["--pool", String(pool)], environment: environment)
        let signIn = try server.request(
          "POST", "/session", json: ["user": "out_coord", "password": ServiceOutageTests.password])
        try #require(signIn.status == 201, "\(signIn.text)")
        token = try #require(signIn.object?["token"] as? String)
      } catch {
        cluster.destroy()
        throw error
      }
    }

    /// Restarts the cluster and waits until the service answers `GET /healthz` with 200.
    func restart() throws -> Bool {
      try cluster.pgLocal("start")
      for _ in 0..<100 {
        if try server.request("GET", "/healthz").status == 200 { return true }
        usleep(100_000)
      }
      return false
    }
  }

  /// An eligible SLE candidate at PAN, as `POST /patients` takes it.
  static func candidate(mrn: String) -> [String: Any] {
    [
      "protocol": "SLE-UCMSC", "site": "PAN", "mrn": mrn, "given": "Ana", "family": "Test",
      "birth_date": "1990-04-02", "sex": "F", "consent_version": "1.0",
      "consent_date": "2026-05-20", "enrolled_on": "2026-06-01",
      "sledai_descriptors": "arthritis,rash,low_complement,proteinuria",
      "eular_acr_items": "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",
      "ana_titer": 320, "pga": 1.5, "upcr": 1.8, "creatinine": 1.1,
    ]
  }

  @Test func aRequestInFlightWhenPostgreSQLIsKilledGets503AndARetryEnrollsOnce() throws {
    let o = try Outage(pool: 2, environment: ["MSCREG_LOCK_TIMEOUT": "60s"])
    defer {
      o.server.stop()
      o.cluster.destroy()
    }
    // The enrollment waits inside the database for a lock the test holds.
    let holder = try Connection(conninfo: o.cluster.conninfo)
    try holder.execute("BEGIN")
    try holder.execute("LOCK TABLE registry.patient IN SHARE MODE")
    let key = ["Idempotency-Key": "outage-enroll-1"]
    let server = o.server
    let token = o.token
    nonisolated(unsafe) var inFlight: Result<HTTPResult, any Error> = .failure(
      FaultTestError("no answer"))
    let answered = DispatchSemaphore(value: 0)
    Thread {
      inFlight = Result {
        try server.request(
          "POST", "/patients", json: Self.candidate(mrn: "OUT-1"), token: token, headers: key)
      }
      answered.signal()
    }.start()
    // Another session watches (inside a transaction the statistics views show one snapshot).
    let watcher = try Connection(conninfo: o.cluster.conninfo)
    var waiting = false
    for _ in 0..<3000 where !waiting {
      waiting =
        try watcher.query(
          """
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE usename = 'out_svc' AND wait_event_type = 'Lock'
          """
        ).rows[0].decode("n") == 1
      if !waiting { usleep(20_000) }
    }
    try #require(waiting, "the enrollment never reached the database: \(o.server.log.suffix(1500))")

    try o.cluster.killServer()
    answered.wait()
    let r = try inFlight.get()
    #expect(r.status == 503, "\(r.text)")
    #expect(r.headers["content-type"] == "application/problem+json")
    #expect(r.object?["status"] as? Int == 503, "\(r.text)")

    #expect(try o.restart(), "the service did not recover: \(o.server.log.suffix(2000))")
    // The crash rolled the first attempt back, key claim included: the retry enrolls, once.
    let retry = try o.server.request(
      "POST", "/patients", json: Self.candidate(mrn: "OUT-1"), token: o.token, headers: key)
    #expect(retry.status == 201, "\(retry.text)")
    #expect(retry.headers["idempotent-replayed"] == nil)
    let again = try o.server.request(
      "POST", "/patients", json: Self.candidate(mrn: "OUT-1"), token: o.token, headers: key)
    #expect(again.status == 201 && again.body == retry.body, "\(again.text)")
    #expect(again.headers["idempotent-replayed"] == "true")
    let enrolled: Int = try Connection(conninfo: o.cluster.conninfo).query(
      "SELECT count(*)::int AS n FROM identity.patient_identity WHERE mrn = 'OUT-1'"
    ).rows[0].decode("n")
    #expect(enrolled == 1)
    kill(o.server.pid, SIGTERM)
    #expect(o.server.waitUntilExit() == 0, "\(o.server.log.suffix(2000))")
  }

  @Test func requestsDuringAnOutageGet503AndTheServiceRecovers() throws {
    let o = try Outage(pool: 2)
    defer {
      o.server.stop()
      o.cluster.destroy()
    }
    let server = o.server
    let cluster = o.cluster
    let token = o.token
    #expect(try server.request("GET", "/sites", token: token).status == 200)

    try cluster.killServer()
    for path in ["/sites", "/healthz"] {
      let r = try server.request("GET", path, token: token)
      #expect(r.status == 503, "\(path) during the outage: \(r.status) \(r.text)")
      #expect(r.headers["content-type"] == "application/problem+json", "\(path)")
    }

    try cluster.pgLocal("start")
    var recovered = false
    for _ in 0..<50 where !recovered {
      if try server.request("GET", "/sites", token: token).status == 200 {
        recovered = true
      } else {
        usleep(100_000)
      }
    }
    #expect(recovered, "the service did not recover: \(server.log.suffix(2000))")
    #expect(try server.request("GET", "/healthz").status == 200)
    #expect(server.stop() == 0, "\(server.log.suffix(2000))")
  }
}
