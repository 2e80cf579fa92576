import ArgumentParser
import RegistryService

/// `mscreg site add CODE --name NAME [--country CC]`.
struct SiteAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a research site (its code appears in study IDs).",
    discussion: """
      CODE is 2–8 capital letters or digits, starting with a letter. A code that exists is refused \
      (exit 65).

      Examples:
        mscreg site add PAN --name "Hospital Santo Tomás" --country PA
        mscreg site add BOG --name "Fundación Santa Fe" --country CO
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Site code, e.g. PAN.") var code: String
  @Option(help: "Site name.") var name: String
  @Option(help: "ISO 3166 two-letter country code.") var country: String?

  func run() throws {
    let site = try SiteService(global.registry).add(code: code, name: name, country: country)
    print("added site \(site.code)")
  }
}
