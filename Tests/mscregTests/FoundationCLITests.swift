import Foundation
import RegistryDomain
import TestSupport
import Testing

@Suite(.blocking) struct FoundationCLITests {
  @Test func migrateStatusAndRerunOnAFreshDatabase() throws {
    try TestDatabase.with(migrated: false) { db in
      let status = try CLIRunner.run(["db", "status", "--format", "json"], database: db)
      #expect(status.status == 0)
      let pending = try JSONDecoder().decode(
        [[String: JSONAny]].self, from: Data(status.stdout.utf8))
      #expect(!pending.isEmpty)
      #expect(pending.allSatisfy { $0["state"]?.string == "pending" })

      let first = try CLIRunner.run(["db", "migrate"], database: db)
      #expect(first.status == 0)
      #expect(first.stdout.contains("applied 0001_audit.sql"))
      #expect(first.stderr.isEmpty)
      let again = try CLIRunner.run(["db", "migrate"], database: db)
      #expect(again.status == 0)
      #expect(again.stdout == "database is up to date\n")
      let text = try CLIRunner.run(["db", "status"], database: db)
      #expect(text.stdout.contains("applied"))
      #expect(!text.stdout.contains("pending"))
    }
  }

  @Test func siteAddListAndAuditEndToEnd() throws {
    try TestDatabase.with { db in
      // Sites added by the admin; listed, and the trail read, by the monitor (an investigator
      // needs a site before the login can be made).
      let logins = try RegistryLogins(db)
      let admin = try db.login(logins.adminName)
      let monitor = try db.login(logins.monitorName)
      let auditBefore = try JSONDecoder().decode(
        [JSONAny].self,
        from: Data(try CLIRunner.run(["audit", "--format", "json"], database: monitor).stdout.utf8)
      ).count
      let add = try CLIRunner.run(
        ["site", "add", "PAN", "--name", "Hospital Santo Tomás", "--country", "PA"],
        database: admin)
      #expect(add.status == 0)
      #expect(add.stdout == "added site PAN\n")
      // --database before the subcommand works as well as after it.
      let list = try CLIRunner.run([
        "--database", monitor.conninfo, "site", "list", "--format", "json",
      ])
      #expect(list.status == 0)
      let sites = try JSONDecoder().decode([[String: String]].self, from: Data(list.stdout.utf8))
      #expect(sites == [["code": "PAN", "name": "Hospital Santo Tomás", "country": "PA"]])
      let text = try CLIRunner.run(["site", "list"], database: monitor)
      #expect(text.stdout.contains("PAN   Hospital Santo Tomás  PA"))

      let audit = try CLIRunner.run(["audit", "--format", "json"], database: monitor)
      #expect(audit.status == 0)
      let rows = Array(
        try JSONDecoder().decode([[String: JSONAny]].self, from: Data(audit.stdout.utf8))
          .dropFirst(auditBefore))
      #expect(rows.count == 1)
      #expect(rows[0]["action"]?.string == "INSERT")
      #expect(rows[0]["table"]?.string == "registry.site")
      #expect(rows[0]["row_key"]?.string == "PAN")
      let auditText = try CLIRunner.run(
        ["audit", "PAN", "--since", "2000-01-01"], database: monitor)
      #expect(auditText.stdout.contains("INSERT registry.site PAN"))
      let future = try CLIRunner.run(["audit", "--since", "2999-01-01"], database: monitor)
      #expect(future.status == 0 && future.stdout.isEmpty)
    }
  }

  @Test func refusalsExitWithTheDocumentedStatusAndChangeNothing() throws {
    try TestDatabase.with { db in
      // Site commands as the admin, the audit trail as the monitor.
      let logins = try RegistryLogins(db)
      let admin = try db.login(logins.adminName)
      let monitor = try db.login(logins.monitorName)
      _ = try CLIRunner.run(["site", "add", "PAN", "--name", "Panama"], database: admin)
      let auditBefore = try JSONDecoder().decode(
        [JSONAny].self,
        from: Data(try CLIRunner.run(["audit", "--format", "json"], database: monitor).stdout.utf8)
      ).count
      let cases: [([String], Int32, String)] = [
        (["site", "add", "PAN", "--name", "Again"], 65, "error: CODE:"),
        (["site", "add", "pan", "--name", "Lower"], 65, "error: CODE:"),
        (["site", "add", "BOG", "--name", "Bogotá", "--country", "COL"], 65, "error: --country:"),
        (["site", "add", "BOG", "--name", "   "], 65, "error: --name:"),
        (["site", "add", "BOG"], 64, "error:"),
        (["site", "frobnicate"], 64, "error:"),
        (["audit", "--since", "2026-02-30"], 65, "error: --since:"),
        (["site", "list", "--format", "yaml"], 64, "error:"),
      ]
      for (arguments, status, prefix) in cases {
        let result = try CLIRunner.run(
          arguments, database: arguments.first == "audit" ? monitor : admin)
        #expect(result.status == status, "\(arguments)")
        #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): one line")
      }
      let audit = try CLIRunner.run(["audit", "--format", "json"], database: monitor)
      let rows = try JSONDecoder().decode([[String: JSONAny]].self, from: Data(audit.stdout.utf8))
      #expect(rows.count == auditBefore)  // the refusals wrote nothing
    }
  }

  @Test func unreachableDatabaseExits69WithLibpqsReason() throws {
    let result = try CLIRunner.run(
      ["site", "list"], environment: ["MSCREG_DATABASE": "host=/nonexistent-dir port=1"])
    #expect(result.status == 69)
    #expect(result.stderr.hasPrefix("error: database: "))
    #expect(result.stderr.contains("/nonexistent-dir"))
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  @Test func helpListsExamples() throws {
    for path in [[], ["db", "migrate"], ["site", "add"], ["audit"]] {
      let result = try CLIRunner.run(path + ["--help"])
      #expect(result.status == 0)
      #expect(result.stdout.contains("Examples:"), "\(path)")
    }
  }
}

/// The CLI's JSON output read as the domain's JSON value.
typealias JSONAny = JSONValue
