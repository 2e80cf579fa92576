import ArgumentParser

/// `mscreg user`: who may use the registry.
struct UserCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "user",
    abstract: "Add and list users (database login roles) and their sites.",
    discussion: """
      Coordinators read and write their sites' patients; investigators read their sites; monitors \
      read every site but no identity; admins manage protocols, lots and users. PostgreSQL \
      enforces it (GRANTs and row-level security), also for psql sessions.

      Examples:
        mscreg user add ana_perez --role coordinator --site PAN
        mscreg user add li_wei --role investigator --site GZU --site BOG
        mscreg user add dsmb_monitor --role monitor
        mscreg user list
        mscreg user password ana_perez < pw.txt
      """,
    subcommands: [UserAdd.self, UserList.self, UserPassword.self]
  )
}
