import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg user add NAME --role R [--site S …] [--password-stdin]`.
struct UserAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Create a login role for a person with an application role and sites.",
    discussion: """
      Only admins (and the database owner) may add users. Without --password-stdin the login \
      role is created without a password: authentication is the site's PostgreSQL \
      configuration (pg_hba.conf: peer, certificate). With --password-stdin the password is \
      read from standard input (one line) and only its SCRAM-SHA-256 verifier, computed here, \
      reaches the server; users of the registry service (mscreg serve) need one.

      The role service makes the login of mscreg serve: a new login that holds no privilege \
      of its own and can only switch, per request, into the role of the user who sent it.

      Examples:
        mscreg user add ana_perez --role coordinator --site PAN
        mscreg user add li_wei --role investigator --site GZU --site BOG
        mscreg user add dsmb_monitor --role monitor
        mscreg user add registry_api --role service --password-stdin < pw.txt
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Login role name: 2–40 lower-case letters, digits or _.") var name: String
  @Option(help: "coordinator, investigator, monitor, admin or service.") var role: String
  @Option(help: "A site the user works at (repeat for several).") var site: [String] = []
  @Flag(help: "Read the user's password from standard input (one line).")
  var passwordStdin = false

  func run() throws {
    let password = passwordStdin ? try PasswordInput.fromStandardInput() : nil
    let user = try UserService(global.registry).add(
      name: name, role: try AppUser.Role.parse(role, field: "--role"), sites: site,
      password: password)
    let sites = user.sites.isEmpty ? "every site" : user.sites.joined(separator: ", ")
    print("added user \(user.name) as \(user.role.rawValue) (\(sites))")
  }
}

extension UserAdd: PositionalFields {
  static var positionalFields: [String: String] { ["name": "NAME"] }
}
