import Foundation
import TestSupport
import Testing

/// `mscreg score …` end to end through the command line (in process), no database.
@Suite(.blocking) struct ScoreCLITests {
  /// Runs `mscreg score …` and decodes its JSON output (expects exit 0).
  private func json(_ arguments: [String]) throws -> JSONAny {
    let result = try CLIRunner.run(["score"] + arguments + ["--format", "json"])
    #expect(result.status == 0, "\(arguments): \(result.stderr)")
    #expect(result.stderr.isEmpty)
    return try JSONDecoder().decode(JSONAny.self, from: Data(result.stdout.utf8))
  }

  private let meldExample = ["--bilirubin", "4.2", "--creatinine", "1.9", "--inr", "1.2"]

  @Test func referenceMELDExamples() throws {
    let meld = try json(["meld"] + meldExample)
    #expect(meld["instrument"]?.string == "meld")
    #expect(meld["score"]?.number == 20)
    let meldNa = try json(["meld-na"] + meldExample + ["--sodium", "125"])
    #expect(meldNa["instrument"]?.string == "meld_na")
    #expect(meldNa["score"]?.number == 28)
    #expect(meldNa["parts"]?["meld"]?.number == 20)
    let second = ["--bilirubin", "2.0", "--creatinine", "1.2", "--inr", "1.5"]
    #expect(try json(["meld"] + second)["score"]?.number == 15)
    let na = try json(["meld-na"] + second + ["--sodium", "135"])
    #expect(na["score"]?.number == 17)
    #expect(na["parts"]?["meld"]?.number == 15)
    // Floating noise is cleared below 1e-9: 15 + 1.32·2 − 0.033·15·2 is exactly 16.65.
    #expect(na["parts"]?["meld_na_unrounded"]?.number == 16.65)
  }

  @Test func textOutputShowsScorePartsAndSource() throws {
    let result = try CLIRunner.run(["score", "meld"] + meldExample)
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "MELD 20")
    #expect(lines.contains("  meld_i           2.003916"))
    #expect(lines.contains { $0.hasPrefix("source: OPTN") })
    #expect(lines.contains { $0.hasPrefix("engine: ") })
  }

  @Test func siInputEqualsConventional() throws {
    let si = try json(["meld", "--bilirubin", "71.82umol/L", "--creatinine", "1.9", "--inr", "1.2"])
    #expect(si["score"]?.number == 20)
    #expect(si["inputs"]?["bilirubin"]?["value"]?.number == 4.2)
    #expect(si["inputs"]?["bilirubin"]?["unit"]?.string == "mg/dL")
    #expect(si["inputs"]?["bilirubin"]?["entered"]?["value"]?.number == 71.82)
    #expect(si["inputs"]?["bilirubin"]?["entered"]?["unit"]?.string == "µmol/L")
    #expect(si["parts"]?["bilirubin_used"]?.number == 4.2)
    let conventional = try json(["meld"] + meldExample)
    #expect(si["parts"]?["meld_i"]?.number == conventional["parts"]?["meld_i"]?.number)
    let text = try CLIRunner.run(
      [
        "score", "meld", "--bilirubin", "71.82 µmol/L", "--creatinine", "167.96umol/L", "--inr",
        "1.2",
      ])
    #expect(text.stdout.hasPrefix("MELD 20\n"))
    #expect(text.stdout.contains("bilirubin 71.82 µmol/L (4.2 mg/dL)"))
    #expect(text.stdout.contains("creatinine 167.96 µmol/L (1.9 mg/dL)"))
  }

  @Test func jsonShapeOfSection7() throws {
    let meld = try json(["meld"] + meldExample)
    guard case .object(let top) = meld else {
      Issue.record("not an object")
      return
    }
    #expect(
      Set(top.keys) == ["instrument", "score", "parts", "inputs", "source", "engine_version"])
    #expect(meld["source"]?.string?.contains("OPTN") == true)
    #expect(meld["engine_version"]?.string?.isEmpty == false)
    guard case .object(let parts) = meld["parts"] else {
      Issue.record("parts is not an object")
      return
    }
    #expect(
      Set(parts.keys) == [
        "bilirubin_used", "creatinine_used", "inr_used", "dialysis", "meld_i", "capped",
      ])
    #expect(meld["classified"] == nil && meld["class"] == nil && meld["items"] == nil)
  }

  @Test func sledai2kWeights() throws {
    let s = try json(["sledai2k", "--sledai-descriptors", "seizure,arthritis,rash,fever"])
    #expect(s["instrument"]?.string == "sledai_2k")
    #expect(s["score"]?.number == 15)  // 8 + 4 + 2 + 1
    #expect(s["parts"]?["seizure"]?.number == 8)
    #expect(s["parts"]?["fever"]?.number == 1)
    #expect(s["source"]?.string?.contains("Gladman") == true)
    #expect(try json(["sledai2k", "--sledai-descriptors", ""])["score"]?.number == 0)
  }

  @Test func eularAcrClassifiedAndNot() throws {
    let yes = try json([
      "eular-acr", "--eular-acr-items",
      "joint_involvement,low_c3_or_c4,low_c3_and_c4,anti_dsdna_or_anti_sm",
      "--ana-titer", "160",
    ])
    #expect(yes["instrument"]?.string == "eular_acr_2019")
    #expect(yes["score"]?.number == 16)  // 6 + 4 + 6
    #expect(yes["classified"]?.flag == true)
    // Only the highest item of the complement domain counts.
    #expect(
      yes["items"]?.array?.compactMap(\.string)
        == ["joint_involvement", "low_c3_and_c4", "anti_dsdna_or_anti_sm"])
    #expect(yes["source"]?.string?.contains("Aringer") == true)

    // Immunology is three domains: antiphospholipid, complement and anti-dsDNA all count.
    let immunology = try json([
      "eular-acr", "--eular-acr-items",
      "fever,antiphospholipid_antibodies,low_c3_and_c4,anti_dsdna_or_anti_sm", "--ana-titer",
      "1:80",
    ])
    #expect(immunology["score"]?.number == 14)  // 2 + 2 + 4 + 6
    #expect(immunology["classified"]?.flag == true)

    let belowEntry = try json([
      "eular-acr", "--eular-acr-items", "joint_involvement,anti_dsdna_or_anti_sm", "--ana-titer",
      "40",
    ])
    #expect(belowEntry["score"]?.number == 12)
    #expect(belowEntry["classified"]?.flag == false)
    let noTiter = try json([
      "eular-acr", "--eular-acr-items", "joint_involvement,anti_dsdna_or_anti_sm",
    ])
    #expect(noTiter["classified"]?.flag == false)
    let onlyImmunology = try json([
      "eular-acr", "--eular-acr-items",
      "antiphospholipid_antibodies,low_c3_and_c4,anti_dsdna_or_anti_sm",
      "--ana-titer", "640",
    ])
    #expect(onlyImmunology["score"]?.number == 12)
    #expect(onlyImmunology["classified"]?.flag == false)

    let text = try CLIRunner.run([
      "score", "eular-acr", "--eular-acr-items", "joint_involvement,anti_dsdna_or_anti_sm",
      "--ana-titer",
      "160",
    ])
    #expect(text.stdout.hasPrefix("2019 EULAR/ACR 12: classified as SLE\n"))
  }

  @Test func childPughClasses() throws {
    let cases: [([String], Double, String)] = [
      (
        [
          "--bilirubin", "1.0", "--albumin", "4.0", "--inr", "1.0", "--ascites", "none",
          "--encephalopathy", "none",
        ], 5, "A"
      ),
      (
        [
          "--bilirubin", "2.5", "--albumin", "3.0", "--inr", "1.5", "--ascites", "mild",
          "--encephalopathy", "none",
        ], 8, "B"
      ),
      // 51.3 µmol/L is exactly 3.0 mg/dL, a band edge: 2 points. 27 g/L albumin: 3 points.
      (
        [
          "--bilirubin", "51.3umol/L", "--albumin", "27g/L", "--inr", "2.4", "--ascites",
          "moderate_severe", "--encephalopathy", "grade1_2",
        ], 2 + 3 + 3 + 3 + 2, "C"
      ),
    ]
    for (arguments, score, grade) in cases {
      let result = try json(["child-pugh"] + arguments)
      #expect(result["instrument"]?.string == "child_pugh")
      #expect(result["score"]?.number == score, "\(arguments)")
      #expect(result["class"]?.string == grade, "\(arguments)")
    }
    let text = try CLIRunner.run(["score", "child-pugh"] + cases[1].0)
    #expect(text.stdout.hasPrefix("Child-Pugh 8: class B\n"))
  }

  @Test func meld3SexAndAge() throws {
    let labs = meldExample + ["--sodium", "125", "--albumin", "2.8"]
    let female = try json(["meld3", "--sex", "F", "--age", "54"] + labs)
    #expect(female["instrument"]?.string == "meld_3")
    #expect(female["score"]?.number == 29)
    #expect(female["parts"]?["female"]?.number == 1)
    #expect(try json(["meld3", "--sex", "M"] + labs)["score"]?.number == 28)
    #expect(try json(["meld3", "--sex", "F", "--age", "12"] + labs)["score"]?.number == 29)
    let child = try CLIRunner.run(["score", "meld3", "--sex", "F", "--age", "11"] + labs)
    #expect(child.status == 65)
    #expect(child.stderr.hasPrefix("error: --age: "))
    let noSex = try CLIRunner.run(["score", "meld3"] + labs)
    #expect(noSex.status == 65)
    #expect(noSex.stderr.hasPrefix("error: --sex: "))
  }

  @Test func dialysisStandsInForCreatinine() throws {
    let result = try json(["meld", "--bilirubin", "4.2", "--inr", "1.2", "--dialysis"])
    #expect(result["score"]?.number == 27)
    #expect(result["parts"]?["creatinine_used"]?.number == 4)
    #expect(result["parts"]?["dialysis"]?.number == 1)
  }

  @Test func refusalsExit65WithOneLineNamingTheOption() throws {
    let cases: [([String], String)] = [
      (["meld", "--bilirubin", "4.2", "--inr", "1.2"], "error: --creatinine: "),
      (["meld"], "error: --bilirubin: "),
      (["meld", "--bilirubin", "4.2", "--creatinine", "1.9", "--inr", "20"], "error: --inr: "),
      (
        ["meld", "--bilirubin", "4.2mmol/L", "--creatinine", "1.9", "--inr", "1.2"],
        "error: --bilirubin: "
      ),
      (
        ["meld", "--bilirubin", "4.2", "--creatinine", "1.9furlongs", "--inr", "1.2"],
        "error: --creatinine: "
      ),
      (["meld-na"] + meldExample, "error: --sodium: "),
      (["meld-na"] + meldExample + ["--sodium", "90"], "error: --sodium: "),
      (["sledai2k", "--sledai-descriptors", "rash,headache"], "error: --sledai-descriptors: "),
      (["sledai2k"], "error: --sledai-descriptors: "),
      (["eular-acr", "--eular-acr-items", "fever,sneezing"], "error: --eular-acr-items: "),
      (["eular-acr", "--eular-acr-items", "fever", "--ana-titer", "lots"], "error: --ana-titer: "),
      (["eular-acr"], "error: --eular-acr-items: "),
      (
        ["child-pugh", "--bilirubin", "2", "--albumin", "3", "--inr", "1.5", "--ascites", "none"],
        "error: --encephalopathy: "
      ),
      (
        [
          "child-pugh", "--bilirubin", "2", "--albumin", "3", "--inr", "1.5", "--ascites", "lots",
          "--encephalopathy", "none",
        ], "error: --ascites: "
      ),
      (["meld3", "--sex", "X"] + meldExample, "error: --sex: "),
      (["meld3", "--sex", "F", "--age", "old"] + meldExample, "error: --age: "),
    ]
    for (arguments, prefix) in cases {
      let result = try CLIRunner.run(["score"] + arguments)
      #expect(result.status == 65, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): one line")
      #expect(result.stdout.isEmpty, "\(arguments)")
    }
    // A measure the instrument does not use is not one of its options: a usage error.
    let unused = try CLIRunner.run(["score", "meld"] + meldExample + ["--pga", "7"])
    #expect(unused.status == 64, "\(unused.stderr)")
    #expect(unused.stderr.hasPrefix("error: Unknown option '--pga'"), "\(unused.stderr)")
    #expect(unused.stdout.isEmpty)
  }

  @Test func usageErrorsExit64() throws {
    let cases: [[String]] = [
      ["score", "meld", "--frobnicate", "1"],
      ["score", "apache2"],
      ["score", "meld", "--format", "csv"],
      ["score", "meld", "--format", "yaml"],
      ["score", "meld", "--inr"],
      ["score", "meld", "--dialysis=yes"],
    ]
    for arguments in cases {
      let result = try CLIRunner.run(arguments)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): one line")
    }
  }

  /// Every example in the help of `score` and its subcommands runs and succeeds.
  @Test func helpListsExamplesThatWork() throws {
    let paths = [
      ["score"], ["score", "sledai2k"], ["score", "eular-acr"], ["score", "meld"],
      ["score", "meld-na"], ["score", "meld3"], ["score", "child-pugh"],
    ]
    var ran = 0
    for path in paths {
      let help = try CLIRunner.run(path + ["--help"])
      #expect(help.status == 0)
      // The discussion is laid out to fit 80 columns: no line is wrapped by the parser.
      let discussion = help.stdout.components(separatedBy: "USAGE:")[0]
      for line in discussion.split(separator: "\n") {
        #expect(line.count <= 80, "\(path): \(line)")
      }
      #expect(help.stdout.contains("Examples:"), "\(path)")
      // Examples wrap with a trailing backslash, as in a shell.
      let examples = help.stdout.replacingOccurrences(of: "\\\n", with: " ")
        .split(separator: "\n")
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { $0.hasPrefix("mscreg score ") }
      #expect(!examples.isEmpty, "\(path)")
      for example in examples {
        let arguments = example.split(separator: " ").dropFirst().map(String.init)
        #expect(example.count < 160)
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 0, "\(example): \(result.stderr)")
        ran += 1
      }
    }
    #expect(ran >= 12)
    let root = try CLIRunner.run(["--help"])
    #expect(root.stdout.contains("mscreg score meld"))
  }
}

extension JSONAny {
  /// The value of a JSON `true`/`false`, nil for anything else.
  fileprivate var flag: Bool? { if case .bool(let b) = self { b } else { nil } }
}
