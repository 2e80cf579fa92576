import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// A served fixture with one signed-in user of each role: a coordinator and an investigator of
/// PAN, a coordinator of BOG, a monitor and an admin, each with a password (set by the
/// owner, who installs the registry) and a session token of its own. `setUp` runs first,
/// while the fixture's own logins still need no password.
struct ServedRoles {
  let s: ServiceIdentityTests.Service
  let server: ServerProcess
  /// Login name by role key (`coordinator`, `investigator`, `monitor`, `admin`,
  /// `coordinator_bog`).
  let names: [String: String]
  /// Session token by role key.
  let tokens: [String: String]

  static let password = ServiceIdentityTests.password
  static let roles = ["coordinator", "investigator", "monitor", "admin"]

  var f: RegistryFixture { s.f }
  /// The owner's handle (for checks behind the service's back).
  var owner: RegistryDatabase { s.f.registry }

  init(
    _ db: TestDatabase, arguments: [String] = [],
    setUp: (RegistryFixture) throws -> Void = { _ in }
  ) throws {
    s = try ServiceIdentityTests.Service(db)
    try setUp(s.f)
    let users = UserService(s.f.registry)
    var names: [String: String] = [:]
    for (key, role, sites) in [
      ("coordinator", AppUser.Role.coordinator, ["PAN"]),
      ("investigator", .investigator, ["PAN"]), ("monitor", .monitor, []),
      ("admin", .admin, []), ("coordinator_bog", .coordinator, ["BOG"]),
    ] {
      let name = db.userName("h_" + key.prefix(5) + (key.hasSuffix("bog") ? "_bog" : ""))
      _ = try users.add(name: name, role: role, sites: sites, password: Self.password)
      names[key] = name
    }
    self.names = names
    server = try ServerProcess(conninfo: s.conninfo, arguments: arguments)
    var tokens: [String: String] = [:]
    for (key, name) in names {
      let r = try server.request(
        "POST", "/session", json: ["user": name, "password": Self.password])
      tokens[key] = try #require(r.object?["token"] as? String, "\(key): \(r.text)")
    }
    self.tokens = tokens
  }

  /// The environment of a CLI run as the user of `role` (with the password).
  func cliEnvironment(_ role: String) throws -> [String: String] {
    let info = try s.f.db.conninfo(asUser: names[role]!)
    return ["MSCREG_DATABASE": info + " password=\(Conninfo.quote(Self.password))"]
  }

  /// A request as the user of `role` (nil: without a token).
  func request(
    _ role: String?, _ method: String, _ path: String, json: Any? = nil,
    headers: [String: String] = [:], body: Data? = nil
  ) throws -> HTTPResult {
    try server.request(
      method, path, json: json, token: role.flatMap { tokens[$0] }, headers: headers,
      body: body)
  }

  /// The body as a JSON array of objects.
  static func array(_ r: HTTPResult) -> [[String: Any]] {
    ((try? JSONSerialization.jsonObject(with: r.body)) as? [[String: Any]]) ?? []
  }
}
