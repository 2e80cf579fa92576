/// A person's login role in the registry and the sites it may see.
public struct AppUser: Sendable, Equatable, Codable {
  /// The four application roles (SPEC §5; README "Security model"), and the registry
  /// service's own login.
  public enum Role: String, ClinicalCode {
    /// Reads and writes patients of their sites, identity included.
    case coordinator
    /// Reads patients of their sites, identity included.
    case investigator
    /// Reads every site, never identity; reads the audit trail.
    case monitor
    /// Manages sites, protocols, lots and users; reads every site, no identity.
    case admin
    /// The HTTP service's login (`mscreg serve`): holds nothing itself and can only switch,
    /// per transaction, into the role of the registry user a request comes from.
    case service

    public static let codeName = "role"
  }

  /// The PostgreSQL login role.
  public let name: String
  /// Application role.
  public let role: Role
  /// Sites (coordinators and investigators); empty for monitors and admins (every site).
  public let sites: [String]

  /// Creates a user value.
  public init(name: String, role: Role, sites: [String]) {
    self.name = name
    self.role = role
    self.sites = sites
  }
}
