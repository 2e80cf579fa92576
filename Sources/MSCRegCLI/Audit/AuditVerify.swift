import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg audit verify [--anchor FILE …] [--format text|json]`.
struct AuditVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Recompute the audit hash chains outside the database and report every break.",
    discussion: """
      Reads every audit row and chain entry of both chains (audit.log and identity.audit_log) \
      in one snapshot and recomputes every SHA-256 here, never in the database. Prints per \
      chain the rows and entries checked and the head (id, hash); or every break found (the \
      chain, the row id or entry number, what differs) and exits 65. --anchor FILE (from \
      `mscreg audit anchor`, repeatable) also requires each chain to still pass through the \
      anchored entry: a deleted tail, a rewritten chain or a forged row before the anchor \
      fails. A role that cannot read both chains gets exit 77, never OK: run it as a monitor \
      or an admin (identity rows are then checked as their per-field digests; the registry's \
      owner also checks the identifying values against them).

      Examples:
        mscreg audit verify
        mscreg audit verify --anchor /mnt/worm/mscreg-2026-12-01.json --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(
    name: .customLong("anchor"), help: "An anchor file written by `audit anchor` (repeatable).")
  var anchorFiles: [String] = []
  @OptionGroup var output: FormatOption

  /// The JSON document: `{"ok": …, "chains": [...]}`.
  struct Report: Encodable {
    let ok: Bool
    let chains: [AuditChainStatus]
  }

  func run() throws {
    var anchors: [AuditAnchor] = []
    for file in anchorFiles {
      anchors += try AuditAnchorFile.read(file).chains
    }
    let chains = try AuditService(global.registry).verify(anchors: anchors)
    if output.format == .json {
      try Output.json(Report(ok: chains.allSatisfy(\.isIntact), chains: chains))
    } else {
      for chain in chains {
        let head =
          "\(chain.rows) rows, \(chain.entries) entries, head id \(chain.headID) hash "
          + (chain.headHash ?? "none") + " (\(chain.level))"
        if chain.isIntact {
          print("\(chain.table): OK, \(head)")
        } else {
          print("\(chain.table): BROKEN, \(chain.breaks.count) break(s); \(head)")
          for b in chain.breaks {
            var line =
              "\(chain.table): \(b.subject.rawValue) \(b.id): \(b.kind.rawValue): \(b.detail)"
            if b.expected != nil || b.stored != nil {
              line += " (expected \(b.expected ?? "null"), found \(b.stored ?? "null"))"
            }
            print(line)
          }
        }
      }
    }
    let broken = chains.filter { !$0.isIntact }
    if let first = broken.first, let b = first.firstBreak {
      throw RegistryError.refused(
        first.table,
        "\(broken.map(\.breaks.count).reduce(0, +)) break(s) in the audit hash chains, first at "
          + "\(b.subject.rawValue) \(b.id) (\(b.kind.rawValue)): rows were changed, removed or "
          + "inserted behind the triggers")
    }
  }
}

/// Reading anchor files (the CLI's edge: the file's bytes into the domain's document).
enum AuditAnchorFile {
  static func read(_ path: String) throws -> AuditAnchorDocument {
    let url = CommandContext.current.url(forPath: path)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw RegistryError.notFound("--anchor", "cannot read \(path)")
    }
    do {
      let document = try JSONDecoder().decode(AuditAnchorDocument.self, from: data)
      guard document.format == AuditAnchorDocument.currentFormat else {
        throw RegistryError.refused("--anchor", "\(path) is not an anchor file of this format")
      }
      return document
    } catch let error as RegistryError {
      throw error
    } catch {
      throw RegistryError.refused(
        "--anchor", "\(path) is not an anchor file written by `audit anchor`")
    }
  }
}
