import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg demo load --writers N --seconds S --lot LOT [--protocol P] [--sites A,B]`.
struct DemoLoad: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Run the load test's write mix on persistent connections for a while (benchmark).",
    discussion: """
      N writer threads, each on its own connection kept open, enroll SLE patients (about 40% \
      of writes) and record their planned follow-ups (MSC arm: infusions on days 1 and 8, \
      week 4; control arm: weeks 4 and 12) for S seconds; prints the committed writes per \
      second. Patients are enrolled 120 days before today with MRNs starting LOAD-; LOT must \
      be a released lot the protocol allows. Used by scripts/bench.

      Examples:
        mscreg demo load --writers 8 --seconds 30 --lot UC-BENCH-01 --sites PAN,BOG
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Writer threads (persistent connections).") var writers: Int = 8
  @Option(help: "How long to run, in seconds.") var seconds: Double = 30
  @Option(help: "Protocol code (an SLE protocol).") var `protocol`: String = "SLE-UCMSC"
  @Option(help: ArgumentHelp("Comma-separated site codes.", valueName: "A,B")) var sites: String =
    "PAN,BOG"
  @Option(help: "A released lot for the infusions.") var lot: String

  func run() throws {
    guard (1...64).contains(writers) else {
      throw RegistryError.refused("--writers", "must be 1–64")
    }
    guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
      throw RegistryError.refused("--seconds", "must be above 0 and at most 3600")
    }
    let siteList = sites.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !siteList.isEmpty, siteList.allSatisfy({ !$0.isEmpty }) else {
      throw RegistryError.refused("--sites", "give at least one site code")
    }
    let result = try DemoLoadService(conninfo: global.registry.conninfo).run(
      writers: writers, seconds: seconds, protocolCode: `protocol`, sites: siteList, lot: lot)
    let total = result.writes.values.reduce(0, +)
    print(
      String(
        format:
          "load: %d writes (%d enroll, %d infuse, %d assess), %d failed, %.1f s, %d writers: %.1f writes/s",
        total, result.writes["enroll"] ?? 0, result.writes["infuse"] ?? 0,
        result.writes["assess"] ?? 0, result.failures, result.seconds, writers, result.perSecond))
    if let first = result.firstFailure {
      CommandContext.current.standardError.write("first failure: \(first)\n")
    }
  }
}
