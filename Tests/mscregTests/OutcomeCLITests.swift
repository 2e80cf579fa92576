import Foundation
import RegistryDomain
import TestSupport
import Testing

@Suite(.blocking) struct OutcomeCLITests {
  /// Sites and the two example protocols (`RegistryFixture`, as the admin) and one patient
  /// per protocol enrolled 200 days ago (as the coordinator of its site). Every command of
  /// these tests runs as the least-privileged role allowed (`RegistryFixture.run`).
  func setUp(_ db: TestDatabase) throws -> (
    f: RegistryFixture, sle: String, aclf: String, enrolled: CalendarDate
  ) {
    let f = try RegistryFixture(db)
    let e = CalendarDate.today().adding(days: -200)
    for args in [
      [
        "patient", "enroll", "--protocol", "SLE-UCMSC", "--site", "PAN", "--mrn", "M1", "--given",
        "Ana", "--family", "Pérez", "--birth-date", "1990-04-02", "--sex", "F",
        "--consent-version", "2.1", "--consent-date", "\(e)", "--enrolled-on", "\(e)",
        "--sledai-descriptors", "arthritis,rash,low_complement,proteinuria", "--eular-acr-items",
        "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4", "--ana-titer", "320",
      ],
      [
        "patient", "enroll", "--protocol", "ACLF-BMMSC", "--site", "GZU", "--mrn", "H1",
        "--given", "Wei", "--family", "Zhang", "--birth-date", "1975-01-20", "--sex", "M",
        "--consent-version", "1.0", "--consent-date", "\(e)", "--enrolled-on", "\(e)",
        "--bilirubin", "171umol/L", "--creatinine", "1.4", "--inr", "2.1", "--sodium", "131",
      ],
    ] {
      let r = try f.run(args)
      #expect(r.status == 0, "\(args): \(r.stderr)")
    }
    return (f, "SLE-PAN-0001", "ACLF-GZU-0001", e)
  }

  @Test func assessAmendVoidAndListEndToEnd() throws {
    try TestDatabase.with { db in
      let (f, _, aclf, e) = try setUp(db)
      let week1 = e.adding(days: 7)
      let add = try f.run(
        [
          "assess", aclf, "--visit", "week1", "--date", "\(week1)", "--bilirubin", "85umol/L",
          "--creatinine", "1.9", "--inr", "1.2", "--sodium", "125", "--format", "json",
        ])
      #expect(add.status == 0, "\(add.stderr)")
      let json = try JSONDecoder().decode(JSONAny.self, from: Data(add.stdout.utf8))
      #expect(json["visit"]?.string == "week1")
      #expect(json["entered"]?["bilirubin"]?["unit"]?.string == "µmol/L")
      #expect(json["scores"]?["meld"]?.number != nil)
      #expect(json["scores"]?["engine_version"]?.string == ScoreEngine.version)
      let text = try f.run(
        [
          "assess", "record", aclf, "--visit", "week4", "--date", "\(e.adding(days: 28))",
          "--inr", "1.3",
        ])
      #expect(text.status == 0 && text.stdout.hasPrefix("recorded week4 of \(aclf)"))
      let amend = try f.run(
        ["assess", "amend", aclf, "--visit", "week1", "--sodium", "135", "--reason", "typo"])
      #expect(amend.status == 0, "\(amend.stderr)")
      #expect(amend.stdout.contains("before: MELD"))
      let void = try f.run(
        ["assess", "void", aclf, "--visit", "week4", "--reason", "wrong patient"])
      #expect(void.status == 0)
      let list = try f.run(["assess", "list", aclf, "--format", "json"])
      let rows = try JSONDecoder().decode([JSONAny].self, from: Data(list.stdout.utf8))
      #expect(rows.map { $0["visit"]?.string } == ["baseline", "week1"])
      #expect(rows[1]["measures"]?["sodium"]?.number == 135)
    }
  }

  @Test func refusalsExitWithOneErrorLineNamingTheFieldAndWriteNothing() throws {
    try TestDatabase.with { db in
      let (f, sle, aclf, e) = try setUp(db)
      let w4 = "\(e.adding(days: 28))"
      let cases: [([String], Int32, String)] = [
        (["assess", aclf, "--visit", "week4", "--date", w4, "--inr", "20"], 65, "error: --inr:"),
        (
          ["assess", aclf, "--visit", "week4", "--date", w4, "--sodium", "95"], 65,
          "error: --sodium:"
        ),
        (
          ["assess", aclf, "--visit", "week4", "--date", "\(e.adding(days: 32))", "--inr", "1.2"],
          65, "error: --date:"
        ),
        (
          ["assess", aclf, "--visit", "week9", "--date", w4, "--inr", "1.2"], 65, "error: --visit:"
        ),
        (
          ["assess", aclf, "--visit", "week4", "--date", "2026-02-30", "--inr", "1.2"], 65,
          "error: --date:"
        ),
        (
          ["assess", "ACLF-GZU-0099", "--visit", "week4", "--date", w4, "--inr", "1.2"], 66,
          "error: ID:"
        ),
        (["assess", aclf, "--visit", "week4", "--inr", "1.2"], 64, "error:"),
        (
          ["assess", "amend", aclf, "--visit", "week4", "--inr", "1.2", "--reason", "x"], 66,
          "error: --visit:"
        ),
        (
          [
            "ae", "add", sle, "--term", "lupus flare death", "--grade", "5", "--relatedness",
            "unrelated", "--onset", "\(e.adding(days: 50))",
          ], 65, "error: --grade:"
        ),
        (
          [
            "ae", "add", sle, "--term", "rash", "--grade", "6", "--relatedness", "unrelated",
            "--onset", w4,
          ], 65, "error: --grade:"
        ),
        (
          [
            "ae", "add", sle, "--term", "rash", "--grade", "1", "--relatedness", "maybe",
            "--onset", w4,
          ], 65, "error: --relatedness:"
        ),
        (["event", "add", sle, "--kind", "stroke", "--date", w4], 65, "error: --kind:"),
        (["visits", "due", "--site", "XXX"], 66, "error: --site:"),
      ]
      for (arguments, status, prefix) in cases {
        let result = try f.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): one line")
      }
      // Stored rows, counted as the owner.
      let connection = try db.connect()
      let counts = try connection.query(
        """
        SELECT (SELECT count(*) FROM registry.assessment)::int AS a,
               (SELECT count(*) FROM registry.adverse_event)::int AS ae,
               (SELECT count(*) FROM registry.clinical_event)::int AS ev
        """
      ).rows[0]
      #expect(try counts.decode("a", as: Int.self) == 2)  // the two baselines
      #expect(try counts.decode("ae", as: Int.self) == 0)
      #expect(try counts.decode("ev", as: Int.self) == 0)
    }
  }

  @Test func grade5WithDeathDateAndEventsEndToEnd() throws {
    try TestDatabase.with { db in
      let (f, sle, aclf, e) = try setUp(db)
      let ae = try f.run(
        [
          "ae", "add", aclf, "--term", "hepatic failure", "--grade", "5", "--relatedness",
          "unrelated", "--onset", "\(e.adding(days: 20))", "--death-date", "\(e.adding(days: 24))",
        ])
      #expect(ae.status == 0, "\(ae.stderr)")
      #expect(ae.stdout.contains("death recorded"))
      let show = try f.run(["patient", "show", aclf, "--format", "json"])
      let patient = try JSONDecoder().decode(JSONAny.self, from: Data(show.stdout.utf8))
      #expect(patient["patient"]?["status"]?.string == "died")
      let after = try f.run(
        ["assess", aclf, "--visit", "week4", "--date", "\(e.adding(days: 28))", "--inr", "1.2"])
      #expect(after.status == 65 && after.stderr.hasPrefix("error: ID:"))
      let list = try f.run(["ae", "list", aclf, "--format", "csv"])
      #expect(list.stdout.contains("hepatic failure,5,death,unrelated"))
      let lost = try f.run(
        ["event", "add", sle, "--kind", "lost_to_follow_up", "--date", "\(e.adding(days: 100))"])
      #expect(lost.status == 0 && lost.stdout.contains("status lost_to_follow_up"))
      let events = try f.run(["event", "list", sle, "--format", "json"])
      let rows = try JSONDecoder().decode([JSONAny].self, from: Data(events.stdout.utf8))
      #expect(rows.first?["kind"]?.string == "lost_to_follow_up")
      let due = try f.run(["visits", "due", "--format", "json"])
      #expect(due.status == 0)
      #expect(try JSONDecoder().decode([JSONAny].self, from: Data(due.stdout.utf8)).isEmpty)
    }
  }

  @Test func visitsDueFormatsAndHelp() throws {
    try TestDatabase.with { db in
      let (f, sle, _, e) = try setUp(db)
      let csv = try f.run(
        ["visits", "due", "--site", "PAN", "--as-of", "\(e.adding(days: 36))", "--format", "csv"])
      #expect(csv.status == 0)
      let lines = csv.stdout.split(whereSeparator: \.isNewline)
      #expect(
        lines.first == "study_id,protocol,site,visit,day,target,window_start,window_end,state,days")
      #expect(lines.dropFirst().first?.hasPrefix("\(sle),SLE-UCMSC,PAN,week4,28,") == true)
      #expect(lines.dropFirst().first?.hasSuffix(",overdue,1") == true)
      for path in [
        ["assess"], ["assess", "record"], ["assess", "amend"], ["assess", "void"],
        ["assess", "list"], ["ae"], ["ae", "add"], ["ae", "update"], ["ae", "void"],
        ["ae", "list"], ["event"], ["event", "add"], ["event", "void"], ["event", "list"],
        ["visits"], ["visits", "due"],
      ] {
        let result = try CLIRunner.run(path + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"), "\(path)")
      }
    }
  }
}
