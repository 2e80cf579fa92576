import Foundation
import RegistryDomain
import RegistryStore

/// What `mscreg serve` checks of its own login before it listens.
public enum ServiceLogin {
  /// Connects with `conninfo` and returns the login's name when it may run the service: the
  /// schema is `requiredSchema`'s (when given); the login is shaped as a `service` user (not
  /// a superuser, does not bypass row-level security, NOINHERIT: it holds nothing of the
  /// users it switches into); and the server refuses it with a wrong password (else anyone
  /// could sign in to the API as anyone whose password the server never checks).
  ///
  /// Throws `.unavailable` (exit 69) when the server cannot be reached or the schema is not
  /// current, `.refused` (exit 65, field `--database`) naming the failed condition.
  public static func check(conninfo: String, requiredSchema: URL?) throws -> String {
    let store = try Store(conninfo: conninfo)
    if let requiredSchema { try Migrator(directory: requiredSchema).requireCurrent(store) }
    let login = try store.loginRole()
    guard login.serviceShaped else {
      throw RegistryError.refused(
        "service_database",
        "the login \(login.name) is a superuser, bypasses row-level security or inherits its "
          + "roles' privileges; serve as a service user (mscreg user add NAME --role service "
          + "--password-stdin)")
    }
    var bytes = [UInt8](repeating: 0, count: 24)
    var generator = SystemRandomNumberGenerator()
    for i in bytes.indices { bytes[i] = generator.next() }
    let wrong = "wrong-" + bytes.map { String(format: "%02x", $0) }.joined()
    if try Store.letsIn(conninfo: conninfo, user: login.name, password: wrong) {
      throw RegistryError.refused(
        "service_database",
        "the database lets the service login \(login.name) in with a wrong password; "
          + "authenticate it by password (pg_hba.conf: scram-sha-256)")
    }
    return login.name
  }
}
