import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg demo seed --protocol P --patients N [--seed S] [--as-of D] [--sites A,B]`.
struct DemoSeed: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "seed",
    abstract: "Write a synthetic cohort (marked synthetic) into a protocol.",
    discussion: """
      Patients are enrolled over the two years before --as-of (default today) at the given sites \
      (default: every site), with screening failures, consent, randomized arms, MSC lots and \
      infusions, visits inside their windows (some missed), scores from the real engine, adverse \
      events, deaths, transplants, withdrawals and losses to follow-up. The same --seed gives the \
      same rows. Every MRN starts with SYN-.

      Every patient written is marked synthetic in the database; patient list, report cohort \
      and export say when synthetic patients are included and leave them out with \
      --exclude-synthetic. A protocol that holds real (unmarked) patients is refused (exit 65) \
      unless --force. The cohort continues the protocol's study IDs and allocation sequence.

      All rows are written with COPY in one transaction: a failure leaves nothing. Each site \
      holds at most 9999 patients.

      Examples:
        mscreg demo seed --protocol ACLF-BMMSC --patients 300
        mscreg demo seed --protocol SLE-UCMSC --patients 5000 --seed 42 \\
          --as-of 2026-06-30
        mscreg demo seed --protocol SLE-UCMSC --patients 300 --sites PAN,BOG \\
          --format json
        mscreg demo seed --protocol SLE-UCMSC --patients 100000 --dry-run
        mscreg demo seed --protocol SLE-UCMSC --patients 300 --force
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code (its latest version).") var `protocol`: String
  @Option(help: "Number of enrolled patients.") var patients: Int
  @Option(help: "Random seed (same seed, same cohort).") var seed: UInt64 = 1
  @Option(help: "Last date of the cohort, YYYY-MM-DD (default: today).") var asOf: String?
  @Option(
    help: ArgumentHelp("Comma-separated site codes (default: every site).", valueName: "A,B"))
  var sites: String?
  @Flag(help: "Generate and count the rows without writing them (times the generator).")
  var dryRun = false
  @Flag(help: "Seed even when the protocol holds real (not synthetic) patients.")
  var force = false
  @OptionGroup var output: FormatOption

  func run() throws {
    let date = try asOf.map { try TextField.date($0, field: "--as-of") }
    let siteList = sites.map {
      $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
    var lastShown = Date.distantPast
    let service = SeedService(global.registry)
    if dryRun {
      let result = try service.dryRun(
        protocolCode: `protocol`, patients: patients, seed: seed, asOf: date, sites: siteList)
      if output.format == .json { return try Output.json(result) }
      print(
        String(
          format: "generated %d patients, %d rows in %.2f s (%.0f rows/s), nothing written",
          result.patients, result.counts.total, result.seconds, result.rowsPerSecond))
      return
    }
    let result = try service.seed(
      protocolCode: `protocol`, patients: patients, seed: seed, asOf: date, sites: siteList,
      force: force
    ) { step in
      let now = Date()
      if step.finished || now.timeIntervalSince(lastShown) > 0.5 {
        lastShown = now
        Output.progress("\(step.table): \(step.rows) rows\(step.finished ? "" : " …")")
      }
    }
    if output.format == .json {
      try Output.json(result)
      return
    }
    print(
      "seeded \(result.protocolCode) v\(result.protocolVersion): \(result.patients) patients at "
        + "\(result.sites.joined(separator: ", ")) (seed \(result.seed), as of \(result.asOf))")
    Output.table(
      ["table", "rows"],
      result.counts.tables.map { [$0.table, String($0.rows)] }
        + [["total", String(result.counts.total)]])
    print(
      String(
        format: "%.2f s, %.0f rows/s (audit trail included)", result.seconds,
        result.rowsPerSecond))
  }
}
