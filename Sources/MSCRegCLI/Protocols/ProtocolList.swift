import ArgumentParser
import Foundation
import RegistryService

/// `mscreg protocol list`.
struct ProtocolList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List loaded protocol versions.",
    discussion: """
      Examples:
        mscreg protocol list
        mscreg protocol list --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let protocols = try ProtocolService(global.registry).list()
    if output.format == .json { return try Output.json(protocols) }
    Output.table(
      ["code", "version", "condition", "enrolled", "checksum", "title"],
      protocols.map {
        [
          $0.code, String($0.version), $0.condition, String($0.enrolled),
          String($0.checksum.prefix(12)), $0.title,
        ]
      })
  }
}
