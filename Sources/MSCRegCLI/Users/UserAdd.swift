import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg user add NAME --role R [--site S …]`.
struct UserAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Create a login role for a person with an application role and sites.",
    discussion: """
      Only admins (and the database owner) may add users. The login role is created without a \
      password: authentication is the site's PostgreSQL configuration (pg_hba.conf: peer, \
      certificate, or a password set by the DBA with ALTER ROLE … PASSWORD).

      Examples:
        mscreg user add ana_perez --role coordinator --site PAN
        mscreg user add li_wei --role investigator --site GZU --site BOG
        mscreg user add dsmb_monitor --role monitor
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Login role name: 2–40 lower-case letters, digits or _.") var name: String
  @Option(help: "coordinator, investigator, monitor or admin.") var role: String
  @Option(help: "A site the user works at (repeat for several).") var site: [String] = []

  func run() throws {
    let user = try UserService(global.registry).add(
      name: name, role: try AppUser.Role.parse(role, field: "--role"), sites: site)
    let sites = user.sites.isEmpty ? "every site" : user.sites.joined(separator: ", ")
    print("added user \(user.name) as \(user.role.rawValue) (\(sites))")
  }
}
