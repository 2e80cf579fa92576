import Foundation
import RegistryDomain

/// The write load of the reliability load test (about 40% SLE enrollments, then each patient's
/// planned follow-ups: MSC arm infusions on days 1 and 8 and week 4; control arm weeks 4 and
/// 12), run by `writers` threads on persistent connections for a fixed time: the figure
/// `scripts/bench` compares with and without the audit triggers.
public struct DemoLoadService: Sendable {
  let conninfo: String

  /// Creates the service over a database (each writer opens its own connection).
  public init(conninfo: String) { self.conninfo = conninfo }

  /// What the writers did.
  public struct Result: Sendable, Equatable {
    /// Committed writes by kind (`enroll`, `infuse`, `assess`).
    public let writes: [String: Int]
    /// Writes refused or failed, with the first message.
    public let failures: Int
    /// The first failure's message, if any.
    public let firstFailure: String?
    /// Seconds measured.
    public let seconds: Double

    /// Committed writes per second.
    public var perSecond: Double { Double(writes.values.reduce(0, +)) / seconds }
  }

  /// Runs the load. Patients are enrolled into `protocolCode` (an SLE protocol with visits
  /// week4 and week12 and up to two infusions 7 days apart) at `sites`, `enrolledDaysAgo`
  /// days before today; infusions use the released lot `lot`.
  public func run(
    writers: Int, seconds: Double, protocolCode: String, sites: [String], lot: String,
    enrolledDaysAgo: Int = 120, seed: UInt64 = 1
  ) throws -> Result {
    let today = CalendarDate.today()
    let day0 = today.adding(days: -enrolledDaysAgo)
    let measures = try MeasureSet(
      parsing: RawMeasures(
        sledaiDescriptors: "arthritis,rash,low_complement,proteinuria",
        eularAcrItems: "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4", anaTiter: "320",
        pga: "1.5"))
    let followUp = try MeasureSet(
      parsing: RawMeasures(sledaiDescriptors: "arthritis,rash", pga: "1.0"))
    let lockedTally = Tally()
    let deadline = Date().addingTimeInterval(seconds)
    let started = Date()
    let group = DispatchGroup()
    let conninfo = self.conninfo
    let run = UUID().uuidString.prefix(8)
    for index in 0..<writers {
      group.enter()
      let thread = Thread {
        defer { group.leave() }
        let registry = RegistryDatabase.persistent(conninfo: conninfo)
        var rng = SplitMix64(seed: seed &+ UInt64(index))
        let site = sites[index % sites.count]
        var pending: [(kind: String, id: String, day: Int, visit: String)] = []
        var n = 0
        while Date() < deadline {
          n += 1
          let roll = Double(rng.next() % 1000) / 1000
          do {
            if pending.isEmpty || roll < 0.4 {
              let identity = PatientIdentity(
                mrn: "LOAD-\(run)-\(index)-\(n)", givenName: "Ana", familyName: "Pérez",
                birthDate: CalendarDate(iso: "1990-04-02")!, contact: nil)
              let result = try EnrollmentService(registry).enroll(
                EnrollmentRequest(
                  protocolCode: protocolCode, site: site, identity: identity, sex: .female,
                  consent: Consent(version: "2.1", signedOn: day0), enrolledOn: day0,
                  measures: measures), today: today)
              lockedTally.add("enroll")
              pending +=
                result.arm == "msc"
                ? [
                  ("infuse", result.studyID, 1, ""), ("infuse", result.studyID, 8, ""),
                  ("assess", result.studyID, 28, "week4"),
                ]
                : [
                  ("assess", result.studyID, 28, "week4"), ("assess", result.studyID, 84, "week12"),
                ]
            } else {
              let next = pending.removeFirst()
              if next.kind == "infuse" {
                _ = try InfusionService(registry).record(
                  InfusionEntry(
                    studyID: next.id, lotNumber: lot, date: day0.adding(days: next.day),
                    weightKg: 60, cells: 6e7, route: .iv), today: today)
              } else {
                _ = try AssessmentService(registry).record(
                  studyID: next.id, visit: next.visit, on: day0.adding(days: next.day),
                  measures: followUp, today: today)
              }
              lockedTally.add(next.kind)
            }
          } catch {
            lockedTally.fail("\(error)")
          }
        }
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    group.wait()
    let (writes, failures, first) = lockedTally.snapshot()
    return Result(
      writes: writes, failures: failures, firstFailure: first,
      seconds: Date().timeIntervalSince(started))
  }
}

/// Counts shared by the writer threads.
final class Tally: @unchecked Sendable {
  private let lock = NSLock()
  private var writes: [String: Int] = [:]
  private var failures = 0
  private var first: String?

  func add(_ kind: String) { lock.withLock { writes[kind, default: 0] += 1 } }
  func fail(_ message: String) {
    lock.withLock {
      failures += 1
      if first == nil { first = message }
    }
  }
  func snapshot() -> ([String: Int], Int, String?) { lock.withLock { (writes, failures, first) } }
}
