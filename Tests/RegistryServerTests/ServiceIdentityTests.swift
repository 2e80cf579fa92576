import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import RegistryStore
import TestSupport
import Testing

/// Issue 16, item 3: the service's login holds nothing and acts only as the user a request
/// comes from; passwords are checked by PostgreSQL; the audit trail names the human user.
@Suite(.blocking) struct ServiceIdentityTests {
  static let password = "correct horse battery staple"

  /// A fixture with a service login (password set) and the coordinator of PAN's password set.
  struct Service {
    let f: RegistryFixture
    let name: String
    /// The service login's conninfo, with its password.
    let conninfo: String

    init(_ db: TestDatabase, password: String? = ServiceIdentityTests.password) throws {
      f = try RegistryFixture(db)
      name = db.userName("svc")
      _ = try UserService(f.admin).add(name: name, role: .service, sites: [], password: password)
      var info = try db.conninfo(asUser: name)
      if let password { info += " password=\(Conninfo.quote(password))" }
      conninfo = info
    }
  }

  @Test func noFunctionNamesItsCallerBySessionUser() throws {
    try TestDatabase.with { db in
      let rows = try db.connect().query(
        """
        SELECT p.oid::regprocedure::text AS f FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('registry', 'audit', 'identity')
          AND p.prosrc ~* '\\msession_user\\M' AND p.proname <> 'actor'
        """
      ).rows.map { try $0.decode("f", as: String.self) }
      #expect(rows.isEmpty, "these name the login, not the acting user: \(rows)")
    }
  }

  @Test func theServiceLoginHoldsNothingAndSwitchesOnlyIntoUsers() throws {
    try TestDatabase.with { db in
      let s = try Service(db)
      let c = try Connection(conninfo: s.conninfo)
      for sql in [
        "SELECT * FROM registry.site", "SELECT * FROM registry.patient",
        "SELECT * FROM audit.log", "SELECT registry.actor()",
      ] {
        let e = try #require(throws: PostgresError.self, "\(sql)") { try c.query(sql) }
        #expect(e.sqlState == SQLState.insufficientPrivilege, "\(sql): \(e.message)")
      }
      // Into a registry user: yes, with that user's rights; into the owner: no.
      let coordinator = s.f.logins.coordinatorName("PAN")
      try c.execute("BEGIN")
      try c.query("SELECT set_config('role', $1, true)", [coordinator])
      let actor: String = try c.query("SELECT registry.actor() AS a").rows[0].decode("a")
      #expect(actor == coordinator)
      try c.execute("ROLLBACK")
      let owner: String = try db.connect().query("SELECT session_user::text AS u").rows[0]
        .decode("u")
      let e = try #require(throws: PostgresError.self) {
        try c.query("SELECT set_config('role', $1, false)", [owner])
      }
      #expect(e.sqlState == SQLState.insufficientPrivilege)
      // A user added after the service is reachable too.
      let late = db.userName("late_mon")
      _ = try UserService(s.f.admin).add(name: late, role: .monitor, sites: [])
      try c.query("SELECT set_config('role', $1, false)", [late])
      try c.execute("RESET ROLE")
    }
  }

  @Test func aRoleSetByAnOrdinaryLoginDoesNotNameTheActor() throws {
    try TestDatabase.with { db in
      let s = try Service(db)
      let coordinator = s.f.logins.coordinatorName("PAN")
      let c = try Connection(conninfo: try db.conninfo(asUser: coordinator))
      // A coordinator is a member of the registry's coordinator group role: switching into
      // it must not hide who acts.
      let group: String = try c.query("SELECT registry.app_role('coordinator') AS g").rows[0]
        .decode("g")
      try c.query("SELECT set_config('role', $1, false)", [group])
      let actor: String = try c.query("SELECT registry.actor() AS a").rows[0].decode("a")
      #expect(actor == coordinator)
    }
  }

  @Test func theAuditTrailNamesTheUserNotTheService() throws {
    try TestDatabase.with { db in
      let s = try Service(db)
      let pool = DatabasePool(conninfo: s.conninfo, size: 2)
      let coordinator = s.f.logins.coordinatorName("PAN")
      let before: Int = try db.connect().query(
        "SELECT coalesce(max(id), 0)::int AS m FROM audit.log"
      )
      .rows[0].decode("m")
      let enrolled = try pool.run(as: coordinator) { database in
        try EnrollmentService(database).enroll(
          try RegistryFixture.sleCandidate(mrn: "PAN-SVC-1"))
      }
      #expect(enrolled.studyID.hasPrefix("SLE-PAN-"))
      let admin = s.f.logins.adminName
      try pool.run(as: admin) { database in
        _ = try SiteService(database).add(code: "LIM", name: "Lima", country: "PE")
      }
      let c = try db.connect()
      let who = try c.query(
        "SELECT db_role, table_name FROM audit.log WHERE id > $1 ORDER BY id", [before]
      ).rows.map {
        (try $0.decode("db_role", as: String.self), try $0.decode("table_name", as: String.self))
      }
      #expect(!who.isEmpty)
      #expect(!who.contains { $0.0 == s.name }, "the service login is in the audit trail: \(who)")
      #expect(who.contains { $0.0 == coordinator && $0.1 == "registry.patient" }, "\(who)")
      #expect(who.contains { $0.0 == admin && $0.1 == "registry.site" }, "\(who)")
      let identity: [String] = try c.query(
        "SELECT DISTINCT db_role FROM identity.audit_log WHERE row_key IS NOT NULL AND at > now() - interval '1 hour'"
      ).rows.map { try $0.decode("db_role") }
      #expect(!identity.contains(s.name))
      // The coordinator of PAN, through the service, sees nothing of BOG.
      let bog = try EnrollmentService(s.f.coordinator("BOG")).enroll(
        try RegistryFixture.sleCandidate(mrn: "BOG-SVC-1", site: "BOG"))
      let e = try #require(throws: RegistryError.self) {
        try pool.run(as: coordinator) { database in
          try PatientService(database).show(studyID: bog.studyID)
        }
      }
      #expect(e.kind == .notFound)
      // And enrolls nothing there.
      let refused = try #require(throws: RegistryError.self) {
        try pool.run(as: coordinator) { database in
          try EnrollmentService(database).enroll(
            try RegistryFixture.sleCandidate(mrn: "BOG-SVC-2", site: "BOG"))
        }
      }
      #expect(refused.kind == .permissionDenied || refused.kind == .notFound, "\(refused)")
    }
  }

  @Test func passwordsAreCheckedByPostgreSQLWithSCRAM() throws {
    try TestDatabase.with { db in
      let s = try Service(db)
      let coordinator = s.f.logins.coordinatorName("PAN")
      try UserService(s.f.admin).setPassword(name: coordinator, password: Self.password)
      let info = db.conninfo
      #expect(
        try Store.passwordAccepted(conninfo: info, user: coordinator, password: Self.password))
      #expect(
        !(try Store.passwordAccepted(
          conninfo: info, user: coordinator, password: "wrong password 1")))
      #expect(
        !(try Store.passwordAccepted(
          conninfo: info, user: "no_such_user_x", password: Self.password)))
      // A login the server trusts without a password proves nothing by one.
      #expect(
        !(try Store.passwordAccepted(
          conninfo: info, user: s.f.logins.monitorName, password: "anything at all")))
      // The server stores a SCRAM verifier, not the password.
      let stored: String = try db.connect().query(
        "SELECT rolpassword FROM pg_authid WHERE rolname = $1", [coordinator]
      ).rows[0].decode("rolpassword")
      #expect(stored.hasPrefix("SCRAM-SHA-256$") && !stored.contains(Self.password))
      // A coordinator sets their own password, not another's.
      let other = s.f.logins.coordinatorName("BOG")
      // With a password the login must give it.
      let bare = try #require(throws: RegistryError.self) {
        try UserService(s.f.coordinator("PAN")).list()
      }
      #expect(bare.kind == .unavailable && bare.message.contains("password"), "\(bare)")
      let asCoordinator = UserService(
        RegistryDatabase(
          conninfo: try db.conninfo(asUser: coordinator)
            + " password=\(Conninfo.quote(Self.password))"))
      try asCoordinator.setPassword(name: coordinator, password: "another long password")
      #expect(
        try Store.passwordAccepted(
          conninfo: info, user: coordinator, password: "another long password"))
      let renewed = UserService(
        RegistryDatabase(
          conninfo: try db.conninfo(asUser: coordinator)
            + " password=\(Conninfo.quote("another long password"))"))
      let e = try #require(throws: RegistryError.self) {
        try renewed.setPassword(name: other, password: "another long password")
      }
      #expect(e.kind == .permissionDenied)
      let short = try #require(throws: RegistryError.self) {
        try UserService(s.f.admin).setPassword(name: other, password: "short")
      }
      #expect(short.kind == .refused && short.field == "password")
    }
  }

  @Test func serveRefusesALoginTheServerLetsInWithAWrongPassword() throws {
    try TestDatabase.with { db in
      // A service login without a password: the embedded server trusts it.
      let s = try Service(db, password: nil)
      let run = try CLIRunner.runBinary(
        ["serve", "--listen", "127.0.0.1:0", "--database", s.conninfo])
      #expect(run.status == 65, "\(run.stderr)")
      #expect(run.stderr.hasPrefix("error: "), "\(run.stderr)")
      #expect(run.stderr.contains("wrong password"), "\(run.stderr)")
      // The owner (a superuser) is no service login.
      let owner = try CLIRunner.runBinary(
        ["serve", "--listen", "127.0.0.1:0", "--database", db.conninfo])
      #expect(owner.status == 65, "\(owner.stderr)")
      #expect(owner.stderr.contains("superuser"), "\(owner.stderr)")
    }
  }
}
