import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg protocol show CODE [--version N]`.
struct ProtocolShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show a protocol: arms, eligibility, treatment, visits, endpoints and its file.",
    discussion: """
      Without --version, the latest loaded version.

      Examples:
        mscreg protocol show SLE-UCMSC
        mscreg protocol show ACLF-BMMSC --version 1 --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Protocol code.") var code: String
  @Option(help: "Protocol version (default: the latest).") var version: Int?
  @OptionGroup var output: FormatOption

  struct JSONView: Encodable {
    let code: String
    let version: Int
    let title: String
    let condition: String
    let checksum: String
    let loadedAt: Date
    let definition: JSONValue
    let source: String
    let seedConcealed: Bool
    enum CodingKeys: String, CodingKey {
      case code, version, title, condition, checksum, definition, source
      case loadedAt = "loaded_at"
      case seedConcealed = "seed_concealed"
    }
  }

  func run() throws {
    let record = try ProtocolService(global.registry).show(code: code, version: version)
    let t = record.trial
    if output.format == .json {
      return try Output.json(
        JSONView(
          code: t.code, version: t.version, title: t.title, condition: t.condition.rawValue,
          checksum: record.checksum, loadedAt: record.loadedAt, definition: record.definition,
          source: record.source, seedConcealed: record.seedConcealed))
    }
    print("\(t.code) version \(t.version): \(t.title)")
    print("condition: \(t.condition.rawValue)   study IDs: \(t.studyIDPrefix)-<SITE>-<NNNN>")
    print(
      "checksum: \(record.checksum)   loaded: \(ISO8601DateFormatter().string(from: record.loadedAt))"
    )
    print(
      "arms: "
        + t.arms.map { "\($0.code) (ratio \($0.ratio)\($0.receivesMSC ? ", MSC" : ""))" }.joined(
          separator: ", "))
    if let r = t.randomization {
      print(
        "randomization: permuted blocks \(r.blockSizes), strata \(r.stratifyBy.map(\.rawValue)), "
          + (record.seedConcealed ? "seed concealed (admins only)" : "seed \(r.seed)")
      )
    }
    print(
      "visits: "
        + t.visits.map { "\($0.code) day \($0.day) [\($0.window.before), +\($0.window.after)]" }
        .joined(separator: "; "))
    print(
      "endpoints: " + t.endpoints.map { "\($0.code) (\($0.kind.rawValue))" }.joined(separator: ", ")
    )
    print(
      "--- \(t.code) v\(t.version) file\(record.seedConcealed ? " (seed concealed: shown as 0)" : "") ---"
    )
    print(record.source, terminator: record.source.hasSuffix("\n") ? "" : "\n")
  }
}
