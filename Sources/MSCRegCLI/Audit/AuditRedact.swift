import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg audit redact ID --field F --reason R`.
struct AuditRedact: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "redact",
    abstract: "Replace one identifier in an identity audit row by a redaction mark (admins).",
    discussion: """
      ID is the id of a row of identity.audit_log; --field names a column of the audited row \
      (mrn, given_name, family_name, birth_date, contact) or `reason`. The value is replaced \
      by "[redacted]" in the row's old and new values; its salted digest stays, so `audit \
      verify` still verifies the row and every other change is still found. The redaction \
      itself is recorded (who, when, --reason) in the identity chain.

      Examples:
        mscreg audit redact 42 --field mrn --reason "data subject request DSR-2026-17"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Id of the identity audit row.") var id: String
  @Option(help: "The field to redact.") var field: String
  @Option(help: "Why (recorded in the audit trail).") var reason: String

  func run() throws {
    guard let rowID = Int64(id), rowID > 0 else {
      throw RegistryError.refused(
        "audit_row", "must be a positive whole number (an identity audit row id)")
    }
    try AuditService(global.registry).redact(id: rowID, field: field, reason: reason)
    print("redacted \(field) in identity audit row \(rowID)")
  }
}
