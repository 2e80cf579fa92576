import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg audit verify [--format text|json]`.
struct AuditVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Recompute the audit hash chains and report the first break.",
    discussion: """
      Every audit row stores the SHA-256 of its contents and of the row before it. verify \
      recomputes both chains (audit.log, and identity.audit_log when the role may read it) in id \
      order and prints, per chain, the rows checked, the last id and the last hash (write it down \
      elsewhere: a later verify that still ends in it shows nothing before it was rewritten). A \
      break prints the table, the id and the expected and stored values, and exits 65. Run it as a \
      role that sees every audit row.

      Examples:
        mscreg audit verify
        mscreg audit verify --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @OptionGroup var output: FormatOption

  /// The JSON document: `{"ok": …, "chains": [...]}`.
  struct Report: Encodable {
    let ok: Bool
    let chains: [AuditChainStatus]
  }

  func run() throws {
    let chains = try AuditService(global.registry).verify()
    if output.format == .json {
      try Output.json(Report(ok: chains.allSatisfy(\.isIntact), chains: chains))
    } else {
      for chain in chains {
        if let broken = chain.firstBreak {
          print(
            "\(chain.table): BROKEN at id \(broken.id): \(broken.field.rawValue) expected "
              + "\(broken.expected ?? "null"), stored \(broken.stored ?? "null")")
        } else {
          print(
            "\(chain.table): OK, \(chain.rows) rows, last id \(chain.lastID), last hash "
              + (chain.headHash ?? "none"))
        }
      }
    }
    if let chain = chains.first(where: { !$0.isIntact }), let broken = chain.firstBreak {
      throw RegistryError.refused(
        chain.table,
        "hash chain broken at id \(broken.id) (\(broken.field.rawValue) differs from the "
          + "recomputed value): rows were changed, removed or inserted behind the trigger")
    }
  }
}
