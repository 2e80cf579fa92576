import RegistryDomain
import RegistryStore

/// Use cases for research sites.
public struct SiteService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Adds a site; the code must be new. Throws `.refused` naming the field for bad input.
  public func add(code: String, name: String, country: String?) throws -> Site {
    let site = try Site.validated(code: code, name: name, country: country)
    let store = try database.open()
    return try store.transaction {
      let sites = SiteRepository(store)
      if try sites.find(code: site.code) != nil {
        throw RegistryError.conflict("code", "a site with code \(site.code) already exists")
      }
      try sites.insert(site)
      return site
    }
  }

  /// Every site, by code.
  public func list() throws -> [Site] {
    let store = try database.open()
    return try store.read { try SiteRepository(store).all() }
  }
}
