import PostgresClient
import RegistryDomain

/// SQL for `registry.site`.
public struct SiteRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Inserts a site; a duplicate code is refused (`site.code`).
  public func insert(_ site: Site) throws {
    try store.mapped {
      try store.query(
        "INSERT INTO registry.site (code, name, country) VALUES (\(site.code), \(site.name), \(site.country))"
      )
    }
  }

  /// Every site, ordered by code.
  public func all() throws -> [Site] {
    try store.mapped {
      try store.query("SELECT code, name, country FROM registry.site ORDER BY code").rows.map(
        Self.site)
    }
  }

  /// The site with a code, or nil.
  public func find(code: String) throws -> Site? {
    try store.mapped {
      try store.query(
        "SELECT code, name, country FROM registry.site WHERE code = \(code)"
      ).rows.first.map(Self.site)
    }
  }

  static func site(_ row: PostgresRow) throws -> Site {
    Site(
      code: try row.decode("code"), name: try row.decode("name"), country: try row.decode("country")
    )
  }
}
