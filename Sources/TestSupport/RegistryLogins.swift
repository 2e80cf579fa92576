import Foundation
import RegistryDomain
import RegistryService

/// The logins of the real roles for a test database, each a `RegistryDatabase` handle, so
/// that a test runs each use case as the least-privileged role the command × role table
/// allows (README "Security model"): admin for sites, protocols, lots and users; a
/// coordinator of the patient's site for enrollments, infusions, assessments, adverse events
/// and events; an investigator (every site) or a monitor for reads.
///
/// The database owner only creates the admin (as `mscreg user add` at installation); the
/// admin creates the other logins once the sites exist (`addSiteLogins`).
public struct RegistryLogins: Sendable {
  /// The database under test.
  public let db: TestDatabase
  /// Login names.
  public let adminName: String
  public let monitorName: String
  public let investigatorName: String

  /// Creates the admin and the monitor (as the owner, who installs the registry).
  public init(_ db: TestDatabase) throws {
    self.db = db
    adminName = db.userName("fx_admin")
    monitorName = db.userName("fx_monitor")
    investigatorName = db.userName("fx_inv")
    _ = try UserService(RegistryDatabase(conninfo: db.conninfo)).add(
      name: adminName, role: .admin, sites: [])
    _ = try UserService(admin).add(name: monitorName, role: .monitor, sites: [])
  }

  /// As the admin adds a coordinator for each site and an investigator of every one (call
  /// once the sites exist).
  public func addSiteLogins(_ sites: [String]) throws {
    let users = UserService(admin)
    for site in sites {
      _ = try users.add(name: coordinatorName(site), role: .coordinator, sites: [site])
    }
    _ = try users.add(name: investigatorName, role: .investigator, sites: sites)
    _ = try users.add(name: db.userName("fx_coord_every"), role: .coordinator, sites: sites)
  }

  /// A coordinator of every site of `addSiteLogins`: for fixtures whose helpers write for
  /// patients of several sites without naming the site (still a coordinator, with no right
  /// beyond a coordinator's).
  public var coordinatorOfEverySite: RegistryDatabase {
    registry(as: db.userName("fx_coord_every"))
  }

  /// The login name of the coordinator of a site.
  public func coordinatorName(_ site: String) -> String {
    db.userName("fx_coord_" + site.lowercased())
  }

  /// A handle to the database as a login.
  public func registry(as user: String) -> RegistryDatabase {
    // `userName` names are plain identifiers: conninfo(asUser:) cannot fail on them.
    RegistryDatabase(conninfo: (try? db.conninfo(asUser: user)) ?? db.conninfo)
  }

  /// Sites, protocols, lots, users.
  public var admin: RegistryDatabase { registry(as: adminName) }
  /// Reads of every site, the audit trail.
  public var monitor: RegistryDatabase { registry(as: monitorName) }
  /// Reads of every site (of `addSiteLogins`), identity included.
  public var investigator: RegistryDatabase { registry(as: investigatorName) }
  /// Writes of one site's patients.
  public func coordinator(_ site: String) -> RegistryDatabase {
    registry(as: coordinatorName(site))
  }
  /// The coordinator of a patient's site, from its study ID (`PREFIX-SITE-NNNN`).
  public func coordinator(of studyID: String) -> RegistryDatabase {
    let parts = studyID.split(separator: "-")
    return coordinator(parts.count >= 3 ? String(parts[parts.count - 2]) : studyID)
  }

  /// The same test database reached as a login (for `CLIRunner.run(…, database:)`).
  public func cli(as user: String) throws -> TestDatabase {
    try db.login(user)
  }
}

extension TestDatabase {
  /// This database as another login role: for `CLIRunner.run(…, database:)` as that user.
  /// (Do not `drop()` it; the test's own `TestDatabase` does.)
  public func login(_ user: String) throws -> TestDatabase {
    TestDatabase(name: name, conninfo: try conninfo(asUser: user))
  }
}
