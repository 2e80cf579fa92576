import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Two sites with one patient each, and a user of every role.
struct SecuredRegistry {
  let f: RegistryFixture
  let db: TestDatabase
  let panPatient: String
  let bogPatient: String
  let coordinatorPAN: String
  let investigatorPAN: String
  let monitor: String
  let admin: String

  init(_ db: TestDatabase) throws {
    self.db = db
    f = try RegistryFixture(db)
    let enroll = EnrollmentService(f.registry)
    panPatient = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "SEC-MRN-PAN", site: "PAN"))
      .studyID
    bogPatient = try enroll.enroll(RegistryFixture.sleCandidate(mrn: "SEC-MRN-BOG", site: "BOG"))
      .studyID
    let users = UserService(f.registry)
    coordinatorPAN = db.userName("coord")
    investigatorPAN = db.userName("inv")
    monitor = db.userName("mon")
    admin = db.userName("adm")
    _ = try users.add(name: coordinatorPAN, role: .coordinator, sites: ["PAN"])
    _ = try users.add(name: investigatorPAN, role: .investigator, sites: ["PAN"])
    _ = try users.add(name: monitor, role: .monitor, sites: [])
    _ = try users.add(name: admin, role: .admin, sites: [])
  }

  /// Runs the CLI as a user.
  func cli(_ user: String, _ arguments: [String]) throws -> CLIResult {
    try CLIRunner.run(arguments, environment: ["MSCREG_DATABASE": try db.conninfo(asUser: user)])
  }

  /// A raw session as a user, as `psql` would open it.
  func psql(_ user: String) throws -> Connection {
    try Connection(conninfo: try db.conninfo(asUser: user))
  }
}

@Suite(.blocking) struct SecurityTests {
  @Test func noApplicationRoleOwnsTablesIsSuperuserOrBypassesRLS() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let c = try db.connect()
      let bad = try c.query(
        """
        WITH RECURSIVE app(oid) AS (
          SELECT oid FROM pg_roles
          WHERE rolname IN ('mscreg_coordinator', 'mscreg_investigator', 'mscreg_monitor', 'mscreg_admin')
             OR rolname IN (SELECT registry.app_role(k)
                            FROM unnest(ARRAY['coordinator', 'investigator', 'monitor', 'admin']) k)
          UNION SELECT m.member FROM pg_auth_members m JOIN app ON app.oid = m.roleid
        )
        SELECT r.rolname FROM pg_roles r JOIN app ON app.oid = r.oid
        WHERE r.rolsuper OR r.rolbypassrls OR EXISTS (SELECT 1 FROM pg_class t WHERE t.relowner = r.oid)
        """
      ).rows
      #expect(bad.isEmpty, "\(bad.map { $0["rolname"] ?? "" })")
      let unforced = try c.query(
        """
        SELECT n.nspname || '.' || t.relname AS t FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE t.relkind = 'r' AND n.nspname IN ('registry', 'identity')
          AND t.relname IN ('patient', 'consent', 'screening', 'allocation', 'assessment', 'infusion',
                            'adverse_event', 'clinical_event', 'study_id_counter', 'patient_identity')
          AND NOT (t.relrowsecurity AND t.relforcerowsecurity)
        """
      ).rows
      #expect(unforced.isEmpty)
      _ = s
    }
  }

  @Test func aCoordinatorOfSiteASeesAndWritesNothingOfSiteB() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let before = try s.f.fingerprint()
      // Through the CLI.
      let show = try s.cli(s.coordinatorPAN, ["patient", "show", s.bogPatient])
      #expect(show.status == 66)
      let list = try s.cli(s.coordinatorPAN, ["patient", "list", "--format", "csv"])
      #expect(list.status == 0)
      #expect(list.stdout.contains(s.panPatient) && !list.stdout.contains(s.bogPatient))
      let withdraw = try s.cli(
        s.coordinatorPAN, ["patient", "withdraw", s.bogPatient, "--reason", "x"])
      #expect(withdraw.status == 66)
      let assess = try s.cli(
        s.coordinatorPAN,
        ["assess", s.bogPatient, "--visit", "week4", "--date", "2026-06-29", "--pga", "1"])
      #expect(assess.status == 66)
      let enrollB = try s.cli(
        s.coordinatorPAN,
        sleEnrollArguments(mrn: "SEC-NEW", site: "BOG"))
      #expect(enrollB.status == 77, "\(enrollB.stderr)")
      #expect(enrollB.stderr.hasPrefix("error:"))
      let report = try s.cli(
        s.coordinatorPAN,
        ["report", "cohort", "--protocol", "SLE-UCMSC", "--by", "site", "--format", "json"])
      #expect(report.status == 0)
      #expect(report.stdout.contains("\"PAN\"") && !report.stdout.contains("\"BOG\""))
      // Through a psql-like session under the same login.
      let c = try s.psql(s.coordinatorPAN)
      let identity = try #require(throws: PostgresError.self) {
        try c.query("SELECT count(*) FROM identity.patient_identity")
      }
      #expect(identity.sqlState == SQLState.insufficientPrivilege)
      for table in [
        "registry.patient", "registry.assessment", "registry.consent", "registry.allocation",
      ] {
        let n: Int = try c.query(
          "SELECT count(*)::int AS n FROM \(table) WHERE study_id = $1", [s.bogPatient]
        ).rows[0].decode("n")
        #expect(n == 0, "\(table)")
      }
      let updated = try c.transaction { tx in
        try tx.query("SELECT set_config('mscreg.reason', 'probe', true)")
        return try tx.query(
          "UPDATE registry.patient SET sex = 'M' WHERE study_id = $1", [s.bogPatient]
        ).affectedRows
      }
      #expect(updated == 0)
      let insert = try #require(throws: PostgresError.self) {
        try c.query(
          """
          INSERT INTO registry.assessment (study_id, visit_code, assessed_on, engine_version)
          VALUES ($1, 'week4', '2026-06-29', 'probe')
          """, [s.bogPatient])
      }
      #expect(insert.sqlState == SQLState.insufficientPrivilege)
      #expect(try s.f.fingerprint() == before)
      // Its own site works.
      let own = try s.cli(
        s.coordinatorPAN,
        [
          "assess", s.panPatient, "--visit", "week4", "--date", "2026-06-29",
          "--sledai-descriptors", "rash", "--pga", "1",
        ])
      #expect(own.status == 0, "\(own.stderr)")
    }
  }

  @Test func rolesReadWhatTheyMayAndAreDeniedTheRest() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      // Investigators read their site, identity included, and write nothing.
      let inv = try s.cli(s.investigatorPAN, ["patient", "show", s.panPatient, "--identify"])
      #expect(inv.status == 0 && inv.stdout.contains("SEC-MRN-PAN"))
      let invEnroll = try s.cli(s.investigatorPAN, sleEnrollArguments(mrn: "SEC-X", site: "PAN"))
      #expect(invEnroll.status == 77)
      // Monitors read every site but never identity.
      let mon = try s.cli(s.monitor, ["patient", "list", "--format", "csv"])
      #expect(mon.stdout.contains(s.panPatient) && mon.stdout.contains(s.bogPatient))
      let monIdentity = try s.cli(s.monitor, ["patient", "show", s.bogPatient, "--identify"])
      #expect(monIdentity.status == 77)
      let monPsql = try #require(throws: PostgresError.self) {
        try s.psql(s.monitor).query("SELECT mrn FROM identity.patient_identity")
      }
      #expect(monPsql.sqlState == SQLState.insufficientPrivilege)
      #expect(try s.cli(s.monitor, ["audit", "--since", "2000-01-01"]).status == 0)
      // Coordinators cannot read the audit trail, load protocols, add lots or users.
      #expect(try s.cli(s.coordinatorPAN, ["audit"]).status == 77)
      let proto = RegistryFixture.protocolsFolder.appendingPathComponent("sle-ucmsc.yaml").path
      let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("p-\(UUID()).yaml")
      defer { try? FileManager.default.removeItem(at: tmp) }
      try (try String(contentsOfFile: proto, encoding: .utf8))
        .replacingOccurrences(of: "version: 1", with: "version: 9")
        .write(to: tmp, atomically: true, encoding: .utf8)
      #expect(try s.cli(s.coordinatorPAN, ["protocol", "load", tmp.path]).status == 77)
      #expect(
        try s.cli(s.coordinatorPAN, ["user", "add", db.userName("x"), "--role", "monitor"]).status
          == 77)
      #expect(try s.cli(s.coordinatorPAN, ["user", "list"]).status == 77)
      // Admins manage users and protocols.
      #expect(try s.cli(s.admin, ["protocol", "load", tmp.path]).status == 0)
      let add = try s.cli(
        s.admin, ["user", "add", db.userName("new"), "--role", "investigator", "--site", "BOG"])
      #expect(add.status == 0, "\(add.stderr)")
      let users = try s.cli(s.admin, ["user", "list", "--format", "json"])
      #expect(users.stdout.contains(db.userName("new")))
      // Admins read no identity either.
      #expect(try s.cli(s.admin, ["patient", "show", s.panPatient, "--identify"]).status == 77)
    }
  }

  @Test func userAddRefusesBadRequests() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let cases: [([String], Int32, String)] = [
        (["user", "add", "Bad-Name", "--role", "monitor"], 65, "error: NAME:"),
        (["user", "add", db.userName("c2"), "--role", "coordinator"], 65, "error: --site:"),
        (
          ["user", "add", db.userName("m2"), "--role", "monitor", "--site", "PAN"], 65,
          "error: --site:"
        ),
        (
          ["user", "add", db.userName("c3"), "--role", "coordinator", "--site", "XXX"], 66,
          "error: --site:"
        ),
        (["user", "add", db.userName("c4"), "--role", "superuser"], 65, "error: --role:"),
        (["user", "add", s.monitor, "--role", "monitor"], 65, "error: NAME:"),
        (["user", "add", "postgres", "--role", "admin"], 65, "error: NAME:"),
      ]
      for (arguments, status, prefix) in cases {
        let r = try s.cli(s.admin, arguments)
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stderr.hasPrefix(prefix), "\(arguments): \(r.stderr)")
      }
    }
  }

  @Test func reportsAndExportsCarryNoIdentifyingValue() throws {
    try TestDatabase.with { db in
      let s = try SecuredRegistry(db)
      let secrets = ["SEC-MRN-PAN", "SEC-MRN-BOG", "GivenSEC-MRN", "FamilySEC-MRN", "1990-04-02"]
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sec-\(UUID())")
      defer { try? FileManager.default.removeItem(at: dir) }
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      for format in ["text", "csv", "json", "html"] {
        let r = try s.cli(
          s.monitor,
          [
            "report", "cohort", "--protocol", "SLE-UCMSC", "--format", format, "--output",
            dir.appendingPathComponent("report.\(format)").path,
          ])
        #expect(r.status == 0, "\(format): \(r.stderr)")
      }
      let export = try s.cli(
        s.monitor,
        [
          "export", "--protocol", "SLE-UCMSC", "--deidentified", "--format", "csv", "--output",
          dir.appendingPathComponent("export").path,
        ])
      #expect(export.status == 0, "\(export.stderr)")
      let files =
        FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
      #expect(files.count >= 6)
      for file in files {
        let path = dir.appendingPathComponent(file).path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue
        else { continue }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for secret in secrets { #expect(!text.contains(secret), "\(secret) in \(file)") }
      }
    }
  }
}
