import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// `audit verify`, `audit anchor` and `audit redact` as the roles that run them (issue 14).
@Suite(.blocking) struct AuditTrailCLITests {
  /// Verification fails closed: a role that cannot read both chains gets 77 and no "ok";
  /// monitors and admins verify both (identity rows as per-field digests).
  @Test func verifyAsEachRole() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      for user in [s.coordinatorPAN, s.investigatorPAN] {
        for format in ["text", "json"] {
          let r = try s.cli(user, ["audit", "verify", "--format", format])
          #expect(r.status == 77, "\(user): \(r.stdout) \(r.stderr)")
          #expect(r.stdout.isEmpty, "\(r.stdout)")
          #expect(r.stderr.hasPrefix("error: audit.log: "), "\(r.stderr)")
        }
      }
      for user in [s.monitor, s.admin] {
        let r = try s.cli(user, ["audit", "verify"])
        #expect(r.status == 0, "\(user): \(r.stderr)")
        #expect(r.stdout.contains("audit.log: OK, "))
        // Two patients' identities and the two protocol loads' seed-bearing columns
        // (migration 0091).
        #expect(r.stdout.contains("identity.audit_log: OK, 4 rows"), "\(r.stdout)")
        #expect(r.stdout.contains("(digests)"))
        #expect(!r.stdout.contains("SEC-MRN"))
      }
      // The monitor also finds a change to the identity chain it cannot read directly.
      try db.connect().execute(
        """
        SET session_replication_role = replica;
        UPDATE identity.audit_log SET fields = fields || '{"new.mrn": "00"}'
          WHERE id = (SELECT min(id) FROM identity.audit_log);
        SET session_replication_role = origin;
        """)
      let broken = try s.cli(s.monitor, ["audit", "verify", "--format", "json"])
      #expect(broken.status == 65)
      #expect(broken.stderr.hasPrefix("error: identity.audit_log: "), "\(broken.stderr)")
      #expect(!broken.stdout.contains("SEC-MRN"))
    }
  }

  @Test func anchorThenVerifyAgainstIt() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mscreg-anchor-\(UUID().uuidString).json")
      defer { try? FileManager.default.removeItem(at: file) }
      let anchored = try s.cli(s.admin, ["audit", "anchor", "--output", file.path])
      #expect(anchored.status == 0, "\(anchored.stderr)")
      let document = try JSONDecoder().decode(
        AuditAnchorDocument.self, from: try Data(contentsOf: file))
      #expect(Set(document.chains.map(\.chain)) == ["audit.log", "identity.audit_log"])
      #expect(document.chains.allSatisfy { $0.id > 0 && $0.hash.count == 64 })
      let printed = try s.cli(s.monitor, ["audit", "anchor"])
      #expect(
        printed.status == 0 && printed.stdout.contains("\"format\" : \"mscreg-audit-anchor/1\""))
      #expect(try s.cli(s.investigatorPAN, ["audit", "anchor"]).status == 77)

      let ok = try s.cli(s.monitor, ["audit", "verify", "--anchor", file.path])
      #expect(ok.status == 0, "\(ok.stderr)")
      // The newest transaction deleted (rows, entry and head): the chain alone still verifies;
      // against the anchor it does not.
      let head = try #require(document.chains.first { $0.chain == "audit.log" })
      try db.connect().execute(
        """
        SET session_replication_role = replica;
        DELETE FROM audit.log WHERE txid = (SELECT txid FROM audit.chain_entry
          WHERE chain = 'audit.log' AND seq = \(head.id));
        DELETE FROM audit.chain_entry WHERE chain = 'audit.log' AND seq = \(head.id);
        SET session_replication_role = origin;
        """)
      #expect(try s.cli(s.monitor, ["audit", "verify"]).status == 0)
      let tail = try s.cli(s.monitor, ["audit", "verify", "--anchor", file.path])
      #expect(tail.status == 65)
      #expect(tail.stdout.contains("audit.log: entry \(head.id): anchor: "), "\(tail.stdout)")
      // Bad anchor files: one error line each.
      let missing = try s.cli(s.monitor, ["audit", "verify", "--anchor", file.path + ".nope"])
      #expect(missing.status == 66 && missing.stderr.hasPrefix("error: --anchor: "))
      let junk = file.deletingLastPathComponent().appendingPathComponent(
        "mscreg-junk-\(UUID().uuidString).json")
      try Data("{\"chains\": 3}".utf8).write(to: junk)
      defer { try? FileManager.default.removeItem(at: junk) }
      let bad = try s.cli(s.monitor, ["audit", "verify", "--anchor", junk.path])
      #expect(bad.status == 65 && bad.stderr.hasPrefix("error: --anchor: "))
      #expect(bad.stderr.split(separator: "\n").count == 1)
    }
  }

  /// An admin redacts an MRN from the identity audit trail: the value is gone, the redaction
  /// is itself audited, every role's verify still passes, and any other change is still found.
  @Test func redactionKeepsTheChainVerifiable() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let c = try db.connect()
      let target: Int64 = try c.query(
        "SELECT id FROM identity.audit_log WHERE new_row ->> 'mrn' = 'SEC-MRN-PAN'"
      ).rows[0].decode("id")
      // Only admins may redact; bad requests change nothing.
      for user in [s.monitor, s.coordinatorPAN] {
        let denied = try s.cli(
          user, ["audit", "redact", "\(target)", "--field", "mrn", "--reason", "request"])
        #expect(denied.status == 77, "\(user): \(denied.stderr)")
      }
      let refusals: [([String], Int32, String)] = [
        (["audit", "redact", "99999", "--field", "mrn", "--reason", "r"], 66, "error: ID: "),
        (["audit", "redact", "x", "--field", "mrn", "--reason", "r"], 65, "error: ID: "),
        (
          ["audit", "redact", "\(target)", "--field", "shoe_size", "--reason", "r"], 65,
          "error: --field: "
        ),
        (
          ["audit", "redact", "\(target)", "--field", "mrn", "--reason", " "], 65,
          "error: --reason: "
        ),
      ]
      for (arguments, status, prefix) in refusals {
        let r = try s.cli(s.admin, arguments)
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stderr.hasPrefix(prefix), "\(arguments): \(r.stderr)")
      }
      let count: Int = try c.query("SELECT count(*)::int AS n FROM identity.audit_log").rows[0]
        .decode("n")
      #expect(count == 4)  // 2 identities + 2 protocol loads: the refusals wrote nothing

      let done = try s.cli(
        s.admin, ["audit", "redact", "\(target)", "--field", "mrn", "--reason", "erasure DSR-17"])
      #expect(done.status == 0, "\(done.stderr)")
      let row = try c.query(
        "SELECT new_row ->> 'mrn' AS mrn, salts ? 'new.mrn' AS salted FROM identity.audit_log WHERE id = $1",
        [target]
      ).rows[0]
      #expect(try row.decode("mrn", as: String.self) == "[redacted]")
      #expect(try row.decode("salted", as: Bool.self) == false)
      #expect(
        try c.query(
          "SELECT count(*)::int AS n FROM identity.audit_log WHERE new_row ->> 'mrn' = 'SEC-MRN-PAN'"
        )
        .rows[0].decode("n", as: Int.self) == 0)
      let record = try c.query(
        "SELECT db_role, reason, row_key FROM identity.audit_log WHERE action = 'REDACT'"
      ).rows[0]
      #expect(try record.decode("db_role", as: String.self) == s.admin)
      #expect(try record.decode("reason", as: String.self) == "erasure DSR-17")
      #expect(try record.decode("row_key", as: String.self) == "\(target)")
      // Verified by the owner (values) and by a monitor (digests).
      let owner = try CLIRunner.run(["audit", "verify"], database: db)
      #expect(owner.status == 0, "\(owner.stdout)")
      #expect(owner.stdout.contains("identity.audit_log: OK, 5 rows"))
      #expect(try s.cli(s.monitor, ["audit", "verify"]).status == 0)
      let again = try s.cli(
        s.admin, ["audit", "redact", "\(target)", "--field", "mrn", "--reason", "twice"])
      #expect(again.status == 65 && again.stderr.contains("already redacted"))

      // Any other change to the redacted row is still found…
      try c.execute(
        """
        SET session_replication_role = replica;
        UPDATE identity.audit_log SET new_row = jsonb_set(new_row, '{family_name}', '"Other"')
          WHERE id = \(target);
        SET session_replication_role = origin;
        """)
      let changed = try CLIRunner.run(["audit", "verify"], database: db)
      #expect(changed.status == 65)
      #expect(
        changed.stdout.contains(
          "identity.audit_log: row \(target): field_digest: field new.family_name"))
      // …and so is a "redaction" made by hand, without its REDACT record.
      let other: Int64 = try c.query(
        "SELECT id FROM identity.audit_log WHERE new_row ->> 'mrn' = 'SEC-MRN-BOG'"
      ).rows[0].decode("id")
      try c.execute(
        """
        SET session_replication_role = replica;
        UPDATE identity.audit_log SET new_row = jsonb_set(new_row, '{given_name}', '"[redacted]"'),
          salts = salts - 'new.given_name' WHERE id = \(other);
        SET session_replication_role = origin;
        """)
      let forged = try CLIRunner.run(["audit", "verify"], database: db)
      #expect(forged.stdout.contains("identity.audit_log: row \(other): unrecorded_redaction: "))
    }
  }
}
