import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 16, items 1 and 5: `mscreg serve` over a PostgreSQL server that is killed and
/// restarted (a private cluster): requests during the outage get 503 problem+json, later
/// ones succeed on the same server process, which also shuts down cleanly on SIGTERM.
@Suite(.blocking) struct ServiceOutageTests {
  @Test func requestsDuringAnOutageGet503AndTheServiceRecovers() throws {
    let cluster = try PrivateCluster()
    defer { cluster.destroy() }
    let migrate = try CLIRunner.run(
      ["db", "migrate"], environment: ["MSCREG_DATABASE": cluster.conninfo])
    #expect(migrate.status == 0, "\(migrate.stderr)")
    let password = "outage test password"
    let owner = RegistryDatabase(conninfo: cluster.conninfo)
    _ = try UserService(owner).add(name: "out_admin", role: .admin, sites: [])
    let admin = RegistryDatabase(conninfo: cluster.conninfo + " user=out_admin")
    _ = try SiteService(admin).add(code: "PAN", name: "Panama", country: "PA")
    _ = try UserService(admin).add(
      name: "out_coord", role: .coordinator, sites: ["PAN"], password: password)
    _ = try UserService(admin).add(name: "out_svc", role: .service, sites: [], password: password)
    let server = try ServerProcess(
      conninfo: cluster.conninfo + " user=out_svc password='\(password)'",
      arguments: ["--pool", "2"])
    defer { server.stop() }

    let signIn = try server.request(
      "POST", "/session", json: ["user": "out_coord", "password": password])
    #expect(signIn.status == 201, "\(signIn.text)")
    let token = try #require(signIn.object?["token"] as? String)
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
