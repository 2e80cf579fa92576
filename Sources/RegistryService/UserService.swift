import RegistryDomain
import RegistryStore

/// Managing who may use the registry (admins only; the database enforces it).
public struct UserService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// The shortest password `add` and `setPassword` accept.
  public static let minimumPasswordLength = 12

  /// Adds a user. Coordinators and investigators need at least one site; monitors, admins
  /// and the service take none. A non-admin caller is refused by the database (exit 77).
  ///
  /// With a `password` the login authenticates by it (SCRAM-SHA-256; see `setPassword`), in
  /// the same transaction. A `service` user (the HTTP service's login) is a new NOINHERIT
  /// login that holds nothing itself and is made a member of every user's role.
  public func add(name: String, role: AppUser.Role, sites: [String], password: String? = nil)
    throws -> AppUser
  {
    try InputText.check([("name", name)] + sites.map { ("site", $0) })
    if let password { try Self.checkPassword(password) }
    let user = AppUser(name: name, role: role, sites: Array(Set(sites)).sorted())
    let store = try database.open()
    return try store.transaction(reason: "user add \(name)") {
      let known = Set(try SiteRepository(store).all().map(\.code))
      if let unknown = user.sites.first(where: { !known.contains($0) }) {
        throw RegistryError.notFound("site", "no site \(unknown)")
      }
      try UserRepository(store).create(user)
      if let password { try UserRepository(store).setPassword(name, password: password) }
      return user
    }
  }

  /// Sets a user's password (admins for anyone, every user for themself; others exit 77).
  /// Only a SCRAM-SHA-256 verifier computed here reaches the server: the password is not
  /// stored, sent or logged, and the login is then asked for it (scripts/pg-local's
  /// pg_hba.conf authenticates members of `mscreg_password_login` by SCRAM).
  public func setPassword(name: String, password: String) throws {
    try InputText.check([("name", name)])
    try Self.checkPassword(password)
    let store = try database.open()
    try store.transaction(reason: "user password \(name)") {
      try UserRepository(store).setPassword(name, password: password)
    }
  }

  /// Refuses a password shorter than `minimumPasswordLength` or holding a control character.
  static func checkPassword(_ password: String) throws {
    if password.count < minimumPasswordLength {
      throw RegistryError.refused(
        "password", "must be at least \(minimumPasswordLength) characters")
    }
    if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      throw RegistryError.refused("password", "must not contain control characters")
    }
  }

  /// Every user with its role and sites.
  public func list() throws -> [AppUser] {
    let store = try database.open()
    return try store.read { try UserRepository(store).all() }
  }
}
