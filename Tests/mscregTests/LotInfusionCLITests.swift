import Foundation
import TestSupport
import Testing

/// `mscreg lot …`, `mscreg infuse …` and `patient show/lots` end to end, as a user runs them:
/// each command as the least-privileged login the command × role table allows (`Logins`).
@Suite(.blocking) struct LotInfusionCLITests {
  /// The logins of one test: the admin (sites, protocols, lots), PAN's coordinator
  /// (enrollments, infusions), an investigator of PAN (reads) and the monitor (audit).
  struct Logins {
    let admin: TestDatabase
    let coordinator: TestDatabase
    let investigator: TestDatabase
    let monitor: TestDatabase

    /// The login that runs a command: lot writes by the admin, infusions by the
    /// coordinator, reads (lot lists included) by the investigator.
    func runner(of arguments: [String]) -> TestDatabase {
      switch (arguments.first, arguments.dropFirst().first) {
      case ("infuse", _): return coordinator
      case ("lot", "show"), ("lot", "recipients"), ("lot", "list"), ("patient", _):
        return investigator
      case ("lot", _): return admin
      default: return investigator
      }
    }
  }

  /// The logins of a test database (the owner adds the admin and the monitor).
  func logins(_ db: TestDatabase) throws -> (RegistryLogins, Logins) {
    let l = try RegistryLogins(db)
    return (
      l,
      Logins(
        admin: try db.login(l.adminName), coordinator: try db.login(l.coordinatorName("PAN")),
        investigator: try db.login(l.investigatorName), monitor: try db.login(l.monitorName))
    )
  }

  static let goodLot = [
    "--source", "umbilical_cord", "--donor", "allogeneic", "--product", "cells", "--passage", "3",
    "--viability", "94", "--cd73", "99.1", "--cd90", "98.7", "--cd105", "97.9", "--cd45", "0.4",
    "--cd34", "0.3", "--cd14", "0.5", "--cd19", "0.2", "--hla-dr", "0.6", "--sterility",
    "negative", "--mycoplasma", "negative", "--endotoxin", "0.12", "--manufactured",
    "2025-12-01", "--expires", "2027-06-30",
  ]

  /// Sites and the SLE protocol (as the admin), four SLE patients (as PAN's coordinator);
  /// returns (study ID, arm) pairs and the logins.
  func setUp(_ db: TestDatabase) throws -> ([(id: String, arm: String)], Logins) {
    let (l, who) = try logins(db)
    #expect(
      try CLIRunner.run(["site", "add", "PAN", "--name", "Panama"], database: who.admin).status
        == 0)
    let load = try CLIRunner.run(
      ["protocol", "load", "config/protocols/sle-ucmsc.yaml"], database: who.admin)
    #expect(load.status == 0, "\(load.stderr)")
    try l.addSiteLogins(["PAN"])
    let patients: [(id: String, arm: String)] = try (1...4).map { i in
      let r = try CLIRunner.run(
        [
          "patient", "enroll", "--protocol", "SLE-UCMSC", "--site", "PAN", "--mrn", "M\(i)",
          "--given", "Ana", "--family", "Test", "--birth-date", "1985-02-03", "--sex", "F",
          "--consent-version", "2.1", "--consent-date", "2026-01-05", "--enrolled-on",
          "2026-01-05", "--sledai-descriptors", "arthritis,rash,low_complement,proteinuria",
          "--eular-acr-items", "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",
          "--ana-titer", "320", "--format", "json",
        ], database: who.coordinator)
      #expect(r.status == 0, "\(r.stderr)")
      let json = try JSONDecoder().decode([String: JSONAny].self, from: Data(r.stdout.utf8))
      return (json["study_id"]?.string ?? "", json["arm"]?.string ?? "")
    }
    return (patients, who)
  }

  /// Audit rows, as the monitor reads them.
  func auditCount(_ who: Logins) throws -> Int {
    let audit = try CLIRunner.run(["audit", "--format", "json"], database: who.monitor)
    return try JSONDecoder().decode([JSONAny].self, from: Data(audit.stdout.utf8)).count
  }

  @Test func lotsAndInfusionsEndToEnd() throws {
    try TestDatabase.with { db in
      let (patients, who) = try setUp(db)
      let msc = patients.filter { $0.arm == "msc" }.map(\.id)
      let add = try CLIRunner.run(["lot", "add", "UC-2601-01"] + Self.goodLot, database: who.admin)
      #expect(add.status == 0, "\(add.stderr)")
      #expect(add.stdout == "added lot UC-2601-01 (quarantine)\n")
      let release = try CLIRunner.run(["lot", "release", "UC-2601-01"], database: who.admin)
      #expect(release.stdout == "released lot UC-2601-01\n")

      let infuse = try CLIRunner.run(
        [
          "infuse", msc[0], "--lot", "UC-2601-01", "--date", "2026-01-10", "--weight-kg", "70",
          "--cells", "7.0e7",
        ], database: who.coordinator)
      #expect(infuse.status == 0, "\(infuse.stderr)")
      #expect(infuse.stdout.contains("lot UC-2601-01 on 2026-01-10, 1.0×10⁶/kg"))
      let json = try CLIRunner.run(
        [
          "infuse", "record", msc[1], "--lot", "UC-2601-01", "--date", "2026-01-11",
          "--weight-kg", "60", "--cells", "66000000", "--route", "iv", "--format", "json",
        ], database: who.coordinator)
      let infusion = try JSONDecoder().decode([String: JSONAny].self, from: Data(json.stdout.utf8))
      #expect(infusion["dose_per_kg"]?.number == 1.1e6)

      let show = try CLIRunner.run(["patient", "show", msc[0]], database: who.investigator)
      #expect(show.stdout.contains("status: treated since 2026-01-10"))
      #expect(
        show.stdout.contains("treatment: 1 infusion, cumulative dose 1.0×10⁶/kg, lots UC-2601-01"))
      let lots = try CLIRunner.run(
        ["patient", "lots", msc[0], "--format", "csv"], database: who.investigator)
      #expect(lots.stdout.hasPrefix("infusion_id,infused_on,lot_number,source,"))
      #expect(
        lots.stdout.contains(",2026-01-10,UC-2601-01,umbilical_cord,allogeneic,cells,released,"))

      let recall = try CLIRunner.run(
        ["lot", "recipients", "UC-2601-01", "--format", "csv"], database: who.investigator)
      let lines = recall.stdout.split(whereSeparator: \.isNewline)
      #expect(lines.count == 3)
      #expect(
        lines[0]
          == "study_id,protocol,site,status,infusion_id,infused_on,total_cells,dose_per_kg,route")
      #expect(lines[1].hasPrefix("\(msc[0]),SLE-UCMSC,PAN,treated,"))
      let lotShow = try CLIRunner.run(["lot", "show", "UC-2601-01"], database: who.investigator)
      #expect(lotShow.stdout.contains("recipients: 2"))
      #expect(lotShow.stdout.contains("CD73 99.1%"))
      let lotJSON = try CLIRunner.run(
        ["lot", "show", "UC-2601-01", "--format", "json"], database: who.investigator)
      let detail = try JSONDecoder().decode([String: JSONAny].self, from: Data(lotJSON.stdout.utf8))
      #expect(detail["recipients"]?.array?.count == 2)
      #expect(detail["lot"]?["status"]?.string == "released")

      let void = try CLIRunner.run(
        ["infuse", "void", msc[1], "--infusion", "2", "--reason", "wrong patient"],
        database: who.coordinator)
      #expect(void.status == 0, "\(void.stderr)")
      let after = try CLIRunner.run(
        ["lot", "recipients", "UC-2601-01"], database: who.investigator)
      #expect(!after.stdout.contains(msc[1]))
      let list = try CLIRunner.run(
        ["lot", "list", "--status", "released"], database: who.investigator)
      #expect(list.stdout.contains("UC-2601-01"))
    }
  }

  @Test func refusalsExitWithOneErrorLineNamingTheFieldAndChangeNothing() throws {
    try TestDatabase.with { db in
      let (patients, who) = try setUp(db)
      let msc = patients.filter { $0.arm == "msc" }.map(\.id)
      let control = patients.filter { $0.arm == "control" }.map(\.id)
      _ = try CLIRunner.run(["lot", "add", "UC-1"] + Self.goodLot, database: who.admin)
      _ = try CLIRunner.run(["lot", "release", "UC-1"], database: who.admin)
      _ = try CLIRunner.run(
        [
          "lot", "add", "UC-BAD", "--source", "umbilical_cord", "--donor", "allogeneic",
          "--product", "cells", "--passage", "3", "--viability", "65", "--cd73", "90",
          "--manufactured", "2025-12-01", "--expires", "2027-06-30",
        ], database: who.admin)
      let before = try auditCount(who)
      func infuse(
        _ id: String, lot: String = "UC-1", date: String = "2026-01-10",
        cells: String = "7e7"
      ) -> [String] {
        ["infuse", id, "--lot", lot, "--date", date, "--weight-kg", "70", "--cells", cells]
      }
      let cases: [([String], Int32, String)] = [
        (infuse(control[0]), 65, "error: ID: \(control[0]) is in arm control"),
        (infuse(msc[0], cells: "8.4000001e7"), 65, "error: --cells: dose"),
        (infuse(msc[0], cells: "abc"), 65, "error: --cells:"),
        (infuse(msc[0], date: "2026-01-04"), 65, "error: --date:"),
        (infuse(msc[0], lot: "UC-BAD"), 65, "error: --lot: lot UC-BAD is quarantine"),
        (infuse(msc[0], lot: "NOPE"), 66, "error: --lot: no lot NOPE"),
        (infuse("SLE-PAN-0099"), 66, "error: ID: no patient SLE-PAN-0099"),
        (["lot", "release", "UC-BAD"], 65, "error: LOT: lot UC-BAD cannot be released (12 items"),
        (["lot", "release", "NOPE"], 66, "error: LOT:"),
        (["lot", "show", "NOPE"], 66, "error: LOT:"),
        (["lot", "recipients", "NOPE", "--format", "csv"], 66, "error: LOT:"),
        (["lot", "reject", "UC-1", "--reason", ""], 65, "error: --reason:"),
        (["lot", "add", "UC-1"] + Self.goodLot, 65, "error: LOT:"),
        (["lot", "add", "UC-2"] + Self.goodLot + ["--passage", "x"], 65, "error: --passage:"),
        (["lot", "list", "--status", "pending"], 65, "error: --status:"),
        (["infuse", "void", msc[0], "--infusion", "7", "--reason", "r"], 66, "error: --infusion:"),
        (["patient", "lots", "SLE-PAN-0099"], 66, "error: ID:"),
      ]
      for (arguments, status, prefix) in cases {
        let result = try CLIRunner.run(arguments, database: who.runner(of: arguments))
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): one line")
      }
      #expect(try auditCount(who) == before)
    }
  }

  @Test func helpListsExamples() throws {
    for path in [
      ["lot"], ["lot", "add"], ["lot", "release"], ["lot", "reject"], ["lot", "list"],
      ["lot", "show"], ["lot", "recipients"], ["infuse"], ["infuse", "record"],
      ["infuse", "void"], ["patient", "lots"],
    ] {
      let result = try CLIRunner.run(path + ["--help"])
      #expect(result.status == 0, "\(path)")
      #expect(result.stdout.contains("Examples:"), "\(path)")
    }
  }
}
