import ArgumentParser

/// `mscreg audit`: the audit trail (`show`, the default) and its integrity check (`verify`).
struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "The audit trail: print it (the default) or verify its hash chain.",
    discussion: """
      `mscreg audit [KEY] [--since DATE]` is `mscreg audit show …`: KEY narrows the trail to one \
      study ID, lot number or site code (and the records that belong to a study ID). `mscreg audit \
      verify` recomputes the SHA-256 chain of every audit row and reports the first break (exit \
      65), or OK with the row counts and the last hash to anchor elsewhere.

      Examples:
        mscreg audit
        mscreg audit SLE-PAN-0001
        mscreg audit --since 2026-11-01 --format json
        mscreg audit verify
        mscreg audit verify --format json
      """,
    subcommands: [AuditShow.self, AuditVerify.self],
    defaultSubcommand: AuditShow.self
  )
}
