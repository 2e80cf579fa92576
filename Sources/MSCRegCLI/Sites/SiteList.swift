import ArgumentParser
import RegistryService

/// `mscreg site list`.
struct SiteList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List research sites.",
    discussion: """
      Examples:
        mscreg site list
        mscreg site list --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let sites = try SiteService(global.registry).list()
    if output.format == .json { return try Output.json(sites) }
    Output.table(["code", "name", "country"], sites.map { [$0.code, $0.name, $0.country ?? ""] })
  }
}
