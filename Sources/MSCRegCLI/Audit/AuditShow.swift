import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg audit [show] [KEY] [--since DATE]`.
struct AuditShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Print the audit trail: who changed what, when, old and new values, and why.",
    discussion: """
      KEY narrows the trail to one study ID, lot number or site code (and the records that belong \
      to a study ID). --since takes an ISO date (UTC).

      Examples:
        mscreg audit
        mscreg audit SLE-PAN-0001
        mscreg audit --since 2026-11-01 --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID, lot number or site code.") var key: String?
  @Option(help: "Only rows written on or after this date (YYYY-MM-DD, UTC).") var since: String?
  @OptionGroup var output: FormatOption

  func run() throws {
    let sinceDate = try since.map { try TextField.date($0, field: "--since") }
    let entries = try AuditService(global.registry).entries(since: sinceDate, key: key)
    if output.format == .json { return try Output.json(entries) }
    let formatter = ISO8601DateFormatter()
    for e in entries {
      var line =
        "\(e.id)  \(formatter.string(from: e.at))  \(e.role)  \(e.action) \(e.table) \(e.rowKey)"
      if e.action == "UPDATE" {
        let changes = e.changedColumns.map { column in
          "\(column): \(e.oldRow?[column]?.compactText ?? "null") → \(e.newRow?[column]?.compactText ?? "null")"
        }
        line += "  " + changes.joined(separator: "; ")
      } else if e.action == "INSERT", let row = e.newRow {
        line += "  " + row.compactText
      }
      if let reason = e.reason { line += "  reason: \(reason)" }
      print(line)
    }
  }
}
