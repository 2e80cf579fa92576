import RegistryDomain
import RegistryStore

/// Managing who may use the registry (admins only; the database enforces it).
public struct UserService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Adds a user. Coordinators and investigators need at least one site; monitors and admins
  /// take none. A non-admin caller is refused by the database (exit 77).
  public func add(name: String, role: AppUser.Role, sites: [String]) throws -> AppUser {
    try InputText.check([("NAME", name)] + sites.map { ("--site", $0) })
    let user = AppUser(name: name, role: role, sites: Array(Set(sites)).sorted())
    let store = try database.open()
    return try store.transaction(reason: "user add \(name)") {
      let known = Set(try SiteRepository(store).all().map(\.code))
      if let unknown = user.sites.first(where: { !known.contains($0) }) {
        throw RegistryError.notFound("--site", "no site \(unknown)")
      }
      try UserRepository(store).create(user)
      return user
    }
  }

  /// Every user with its role and sites.
  public func list() throws -> [AppUser] {
    let store = try database.open()
    return try store.read { try UserRepository(store).all() }
  }
}
