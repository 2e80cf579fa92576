import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg audit anchor [--output FILE]`.
struct AuditAnchorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "anchor",
    abstract: "Verify the audit chains and write the head of each (id, hash, time) as JSON.",
    discussion: """
      Keep the file where the database's administrators cannot rewrite it (write-once \
      storage, another organisation, a signed e-mail); a later `audit verify --anchor FILE` \
      shows any rewrite, deleted tail or forged row before the anchored entries. A broken \
      chain anchors nothing (exit 65). Run it as a monitor or an admin.

      Examples:
        mscreg audit anchor
        mscreg audit anchor --output /mnt/worm/mscreg-$(date +%F).json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Write the anchor to this file instead of standard output.") var output: String?

  func run() throws {
    let document = try AuditService(global.registry).anchor()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(document)
    data.append(Data("\n".utf8))
    if let output {
      let url = CommandContext.current.url(forPath: output)
      guard FileManager.default.createFile(atPath: url.path, contents: data) else {
        throw RegistryError.notFound("--output", "cannot write \(output)")
      }
    } else {
      CommandContext.current.standardOutput.write(data)
    }
  }
}
