import ArgumentParser
import Foundation
import RegistryService

/// `mscreg protocol load FILE`.
struct ProtocolLoad: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Validate a protocol file as a whole and store it.",
    discussion: """
      Every problem of an invalid file is listed with its key path and nothing is loaded (exit \
      65). Loading the same file again is a no-op; a changed file under a loaded version is \
      refused: give it a new version.

      Examples:
        mscreg protocol load config/protocols/sle-ucmsc.yaml
        mscreg protocol load config/protocols/aclf-bmmsc.yaml
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Protocol YAML file.") var file: String

  func run() throws {
    let outcome = try ProtocolService(global.registry).load(
      file: CommandContext.current.url(forPath: file))
    switch outcome {
    case .loaded(let code, let version): print("loaded protocol \(code) version \(version)")
    case .unchanged(let code, let version):
      print("protocol \(code) version \(version) is already loaded (unchanged)")
    }
  }
}
