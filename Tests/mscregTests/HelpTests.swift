import ArgumentParser
import Foundation
import TestSupport
import Testing

@testable import MSCRegCLI

/// Every command's help rendered at 80 columns (the width of a pipe): examples whole, no
/// pre-wrapped prose, only the formats the command prints, only the measures a score uses.
@Suite(.blocking) struct HelpTests {
  /// Every command under `mscreg`, with its path (`["lot", "add"]`).
  static func commands() -> [(path: [String], type: ParsableCommand.Type)] {
    var result: [(path: [String], type: ParsableCommand.Type)] = []
    func walk(_ type: ParsableCommand.Type, _ path: [String]) {
      result.append((path, type))
      for sub in type.configuration.subcommands {
        walk(sub, path + [sub.configuration.commandName ?? "\(sub)"])
      }
    }
    walk(MSCReg.self, [])
    return result
  }

  static func help(_ type: ParsableCommand.Type) -> String {
    MSCReg.helpMessage(for: type, columns: 80)
  }

  /// The `(values: …)` list of `--format` in a help text, or nil without `--format`.
  static func formats(in help: String) -> [String]? {
    let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    guard let option = flat.range(of: "--format <format>") else { return nil }
    let rest = flat[option.upperBound...]
    guard let values = rest.range(of: "(values: ") else { return nil }
    let list = rest[values.upperBound...].prefix { $0 != ";" && $0 != ")" }
    return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
  }

  /// Long option names listed in a help text.
  static func options(in help: String) -> Set<String> {
    var names: Set<String> = []
    for word in help.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "/" })
    where word.hasPrefix("--") {
      let name = word.prefix { $0 == "-" || $0.isLetter || $0.isNumber }
      if name.count > 2 { names.insert(String(name)) }
    }
    return names
  }

  @Test func everyExampleIsWholeAt80ColumnsAndNoProseIsPreWrapped() throws {
    let commands = Self.commands()
    #expect(commands.count > 50)
    for (path, type) in commands {
      let name = (["mscreg"] + path).joined(separator: " ")
      let rendered = Self.help(type)
      let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      // The usage synopsis is the parser's own single line; everything else fits.
      for line in lines where !line.hasPrefix("USAGE:") {
        #expect(line.count <= 80, "\(name): a help line of \(line.count) columns: \(line)")
      }
      let discussion = type.configuration.discussion
      let source = discussion.split(separator: "\n", omittingEmptySubsequences: false)
        .map(String.init)
      for (i, line) in source.enumerated() {
        if line.hasPrefix(" ") {
          // An example line (or its continuation): printed as it is, on a line of its own.
          #expect(lines.contains(line), "\(name): example broken at 80 columns: \(line)")
        } else if i + 1 < source.count, !line.isEmpty, !source[i + 1].isEmpty,
          !source[i + 1].hasPrefix(" ")
        {
          Issue.record("\(name): pre-wrapped prose: \(line) / \(source[i + 1])")
        }
      }
    }
  }

  @Test func everyCommandOffersOnlyTheFormatsItPrints() throws {
    let tables: Set<[String]> = [
      ["patient", "list"], ["patient", "lots"], ["lot", "list"], ["lot", "recipients"],
      ["ae", "list"], ["visits", "due"],
    ]
    var checked = 0
    for (path, type) in Self.commands() {
      guard let offered = Self.formats(in: Self.help(type)) else { continue }
      checked += 1
      let expected: [String]
      if path == ["report", "cohort"] {
        expected = ["text", "json", "csv", "html"]
      } else if path == ["export"] {
        expected = ["csv", "fhir", "odm"]
      } else if tables.contains(path) {
        expected = ["text", "json", "csv"]
      } else {
        expected = ["text", "json"]
      }
      #expect(offered == expected, "\(path.joined(separator: " ")) --format")
    }
    #expect(checked > 30)
    // `lot add --format html` is a usage error, and help never offered it.
    #expect(Self.formats(in: Self.help(LotAdd.self)) == ["text", "json"])
    let refused = try CLIRunner.runInProcess(["lot", "add", "X", "--format", "html"])
    #expect(refused.status == 64)
  }

  @Test func eachScoreListsOnlyTheMeasuresItsInstrumentUses() throws {
    let common: Set<String> = ["--format", "--help", "--version"]
    let expected: [(ParsableCommand.Type, Set<String>)] = [
      (ScoreMELD.self, ["--creatinine", "--bilirubin", "--inr", "--dialysis"]),
      (ScoreMELDNa.self, ["--creatinine", "--bilirubin", "--inr", "--dialysis", "--sodium"]),
      (
        ScoreMELD3.self,
        [
          "--creatinine", "--bilirubin", "--inr", "--dialysis", "--sodium", "--albumin", "--sex",
          "--age",
        ]
      ),
      (
        ScoreChildPugh.self,
        ["--bilirubin", "--albumin", "--inr", "--ascites", "--encephalopathy"]
      ),
      (ScoreSLEDAI2K.self, ["--sledai-descriptors"]),
      (ScoreEULARACR.self, ["--eular-acr-items", "--ana-titer"]),
    ]
    for (type, measures) in expected {
      let help = Self.help(type)
      // Options named in the OPTIONS part (not in the prose or the examples above it).
      let optionsPart =
        help.components(separatedBy: "\nOPTIONS:").dropFirst().joined()
        + help.components(separatedBy: "\nMEASURES:").dropFirst().joined()
      let listed = Self.options(in: optionsPart).subtracting(common)
      #expect(listed == measures, "\(type.configuration.commandName ?? "")")
    }
  }
}

extension CLIRunner {
  /// An in-process run without a database (help and usage errors).
  static func runInProcess(_ arguments: [String]) throws -> CLIResult {
    try run(arguments, environment: ["MSCREG_DATABASE": "host=/nonexistent-dir port=1"])
  }
}
