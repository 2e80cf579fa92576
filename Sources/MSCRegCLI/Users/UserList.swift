import ArgumentParser
import RegistryService

/// `mscreg user list`.
struct UserList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List users, their roles and sites (admins only).",
    discussion: """
      Examples:
        mscreg user list
        mscreg user list --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let users = try UserService(global.registry).list()
    if output.format == .json { return try Output.json(users) }
    Output.table(
      ["name", "role", "sites"],
      users.map {
        [$0.name, $0.role.rawValue, $0.sites.isEmpty ? "(all)" : $0.sites.joined(separator: ",")]
      })
  }
}
