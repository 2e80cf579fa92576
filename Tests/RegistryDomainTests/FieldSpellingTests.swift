import Foundation
import RegistryDomain
import Testing

/// Each edge spells the domain's field names once: a table of exceptions over a rule.
@Suite struct FieldSpellingTests {
  @Test func jsonPointersEscapeAsRFC6901() {
    #expect(FieldSpelling.jsonPointer("weight_kg") == "/weight_kg")
    #expect(FieldSpelling.jsonPointer("a/b~c") == "/a~1b~0c")
  }

  @Test func exceptionsWinOverTheRuleAndCommandsAddTheirOwn() {
    let flags = FieldSpelling(
      "CLI option", exceptions: ["weight_kg": "--weight-kg"],
      rule: { "--" + $0.replacingOccurrences(of: "_", with: "-") })
    #expect(flags("weight_kg") == "--weight-kg")
    #expect(flags("cells") == "--cells")
    let lotAdd = flags.adding(["lot": "LOT"])
    #expect(lotAdd("lot") == "LOT")
    #expect(flags("lot") == "--lot")
    let error = lotAdd.spelled(.refused("lot", "must be 1–40 letters"))
    #expect(error.field == "LOT")
    #expect(error.description == "LOT: must be 1–40 letters")
    #expect(error.kind == .refused)
    #expect(FieldSpelling("CSV column")("birth_date") == "birth_date")
  }

  /// The domain names infusion fields in its own words; the command line spells them as its
  /// options (the `error:` line is unchanged, see BadInputCorpusTests).
  @Test func infusionFieldsAreDomainWords() {
    func field(_ body: () throws -> InfusionEntry) -> String? {
      do {
        _ = try body()
        return nil
      } catch let error as RegistryError {
        return error.field
      } catch { return "\(error)" }
    }
    let ok = (lot: "UC-1", date: "2026-01-10", weight: "70", cells: "7e7")
    #expect(
      field {
        try InfusionEntry.validated(
          studyID: "S", lot: ok.lot, date: ok.date, weightKg: "0", cells: ok.cells, route: nil)
      } == "weight_kg")
    #expect(
      field {
        try InfusionEntry.validated(
          studyID: "S", lot: ok.lot, date: ok.date, weightKg: ok.weight, cells: "x", route: nil)
      } == "cells")
    #expect(
      field {
        try InfusionEntry.validated(
          studyID: "S", lot: "", date: ok.date, weightKg: ok.weight, cells: ok.cells, route: nil)
      } == "lot")
    #expect(
      field {
        try InfusionEntry.validated(
          studyID: "S", lot: ok.lot, date: ok.date, weightKg: ok.weight, cells: ok.cells,
          route: "oral")
      } == "route")
  }

  /// Below the command line, errors name fields in the domain's words only: no option
  /// (`--lot`) and no positional argument as the help shows it (`LOT`, `ID`); the edges spell
  /// them (FieldSpelling.commandLine, .csvColumn, the API's JSON Pointers).
  @Test func noEdgeSpellingBelowTheEdges() throws {
    let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
    let layers = [
      "RegistryDomain", "RegistryProtocolYAML", "RegistrySeed", "RegistryStore",
      "RegistryService", "RegistryReports", "RegistryServer",
    ]
    let call =
      #/(?:RegistryError(?:\.[a-zA-Z]+)?\(|\.(?:refused|notFound|conflict)\(|field: )\s*"([^"\\]*)"/#
    var found: [String] = []
    var scanned = 0
    for layer in layers {
      let folder = sources.appendingPathComponent(layer)
      let files =
        FileManager.default.enumerator(atPath: folder.path)?
        .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
      for file in files {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        for match in text.matches(of: call) {
          scanned += 1
          let field = String(match.output.1)
          if field.hasPrefix("--") || (!field.isEmpty && field.allSatisfy { $0.isUppercase }) {
            found.append("\(layer)/\(file): \(field)")
          }
        }
      }
    }
    #expect(scanned > 100, "only \(scanned) error fields found: the scan is broken")
    #expect(found.isEmpty, "\(found)")
  }
}
