import ArgumentParser

/// `mscreg audit`: the audit trail (`show`, the default) and its integrity check (`verify`).
struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "The audit trail: print it (the default), verify, anchor or redact it.",
    discussion: """
      `mscreg audit [KEY] [--since DATE]` is `mscreg audit show …`: KEY narrows the trail to one \
      study ID, lot number or site code (and the records that belong to a study ID). `mscreg audit \
      verify` recomputes the SHA-256 chains outside the database and reports every break (exit \
      65); `audit anchor` writes the chain heads to keep elsewhere; `audit redact` replaces an \
      identifier in the identity audit trail (admins).

      Examples:
        mscreg audit
        mscreg audit SLE-PAN-0001
        mscreg audit --since 2026-11-01 --format json
        mscreg audit verify
        mscreg audit verify --format json
        mscreg audit anchor --output anchor.json
        mscreg audit verify --anchor anchor.json
        mscreg audit redact 42 --field mrn --reason "erasure request"
      """,
    subcommands: [AuditShow.self, AuditVerify.self, AuditAnchorCommand.self, AuditRedact.self],
    defaultSubcommand: AuditShow.self
  )
}
