import PostgresClient
import RegistryDomain

/// Application users: created through `registry.create_user` (a SECURITY DEFINER function
/// that only admins may execute), listed from `registry.app_user`.
public struct UserRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Creates the login role (or reuses one without privileges), grants the group role and
  /// records its sites.
  public func create(_ user: AppUser) throws {
    try store.mapped {
      try store.query(
        "SELECT registry.create_user(\(user.name), \(user.role.rawValue), \(PostgresArray(user.sites))::text[])"
      )
    }
  }

  /// Sets `name`'s password through `registry.set_password` (admins for anyone, a user for
  /// themself): only its SCRAM-SHA-256 verifier, computed on this side, reaches the server.
  public func setPassword(_ name: String, password: String) throws {
    let verifier = try store.scramVerifier(password: password, user: name)
    try store.mapped {
      try store.query("SELECT registry.set_password(\(name), \(verifier))")
    }
  }

  /// Every user with its sites, by name.
  public func all() throws -> [AppUser] {
    try store.mapped {
      try store.query(
        """
        SELECT u.role_name, u.role,
               coalesce(array_agg(s.site_code ORDER BY s.site_code) FILTER (WHERE s.site_code IS NOT NULL), '{}') AS sites
        FROM registry.app_user u LEFT JOIN registry.user_site s ON s.role_name = u.role_name
        GROUP BY u.role_name, u.role ORDER BY u.role_name
        """
      ).rows.map { row in
        AppUser(
          name: try row.decode("role_name"), role: try row.code("role"),
          sites: try row.decode("sites", as: PostgresArray<String>.self).elements.compactMap { $0 })
      }
    }
  }
}
