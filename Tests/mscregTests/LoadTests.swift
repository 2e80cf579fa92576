import Foundation
import PostgresClient
import RegistryDomain
import TestSupport
import Testing

/// What the load test's writers did, collected across threads.
final class LoadLedger: @unchecked Sendable {
  enum Kind: String, CaseIterable { case enroll, infuse, assess }

  struct Write {
    let kind: Kind
    let milliseconds: Double
    let status: Int32
    let detail: String
  }

  private let lock = NSLock()
  private var writes: [Write] = []
  private var enrolled: [String: [String]] = [:]  // site → study IDs

  func record(_ write: Write) { lock.withLock { writes.append(write) } }
  func enrolled(_ studyID: String, at site: String) {
    lock.withLock { enrolled[site, default: []].append(studyID) }
  }
  var allWrites: [Write] { lock.withLock { writes } }
  var studyIDs: [String: [String]] { lock.withLock { enrolled } }
}

/// The value at a percentile (nearest rank) of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
  guard !sorted.isEmpty else { return .nan }
  let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
  return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// 16 coordinators at two sites write at once through the CLI: 16 processes at a time, each
/// writer running 10 writes in sequence (enroll, infuse, assess). Every write is planned to be
/// valid and must succeed; the study IDs must come out gapless per site, every write must be
/// in the audit trail, and the audit chain must verify. Prints the latency figures.
@Suite(.blocking) struct LoadTests {
  static let writers = 16
  static let writesPerWriter = 10
  static let enrolledOn = "2026-06-01"
  static let lot = "UC-LOAD-01"

  /// A follow-up write planned for an enrolled patient.
  enum FollowUp {
    case infuse(String, day: Int)
    case assess(String, visit: String, day: Int)
  }

  /// One writer's 10 writes, in sequence: a seeded mix, about 40% enrollments; each enrolled
  /// patient queues valid follow-ups (MSC arm: infusions on days 1 and 8 — 7 days apart, the
  /// protocol's maximum of 2 — then week 4 on day 28; control arm: week 4 on day 28 and
  /// week 12 on day 84, inside their windows).
  static func runWriter(_ index: Int, db: TestDatabase, ledger: LoadLedger) {
    var rng = SplitMix64(seed: UInt64(index) &+ 0x5eed)
    let site = index % 2 == 0 ? "PAN" : "BOG"
    let day0 = CalendarDate(iso: enrolledOn)!
    var pending: [FollowUp] = []
    var enrolls = 0
    for _ in 0..<writesPerWriter {
      let roll = Double(rng.next() % 1000) / 1000
      let kind: LoadLedger.Kind
      let arguments: [String]
      if pending.isEmpty || roll < 0.4 {
        kind = .enroll
        enrolls += 1
        arguments = sleEnrollArguments(
          mrn: "LOAD-\(index)-\(enrolls)", site: site, enrolledOn: enrolledOn)
      } else {
        switch pending.removeFirst() {
        case .infuse(let id, let day):
          kind = .infuse
          arguments = [
            "infuse", id, "--lot", lot, "--date", day0.adding(days: day).description,
            "--weight-kg", "60", "--cells", "6e7",
          ]
        case .assess(let id, let visit, let day):
          kind = .assess
          arguments = [
            "assess", id, "--visit", visit, "--date", day0.adding(days: day).description,
            "--sledai-descriptors", "arthritis,rash", "--pga", "1.0",
          ]
        }
      }
      let start = Date()
      let result: CLIResult
      do {
        // A process per write: the load test is about concurrent `mscreg` processes.
        result = try CLIRunner.runBinary(arguments, database: db)
      } catch {
        ledger.record(.init(kind: kind, milliseconds: 0, status: -1, detail: "\(error)"))
        continue
      }
      let ms = Date().timeIntervalSince(start) * 1000
      ledger.record(
        .init(
          kind: kind, milliseconds: ms, status: result.status,
          detail: result.status == 0 ? "" : "\(arguments.prefix(2)): \(result.stderr)"))
      guard kind == .enroll, result.status == 0 else { continue }
      // "enrolled SLE-PAN-0007 arm msc"
      let words = result.stdout.split(separator: " ").map {
        $0.trimmingCharacters(in: .whitespacesAndNewlines)
      }
      guard words.count == 4 else { continue }
      let id = words[1]
      ledger.enrolled(id, at: site)
      if words[3] == "msc" {
        pending += [
          .infuse(id, day: 1), .infuse(id, day: 8), .assess(id, visit: "week4", day: 28),
        ]
      } else {
        pending += [.assess(id, visit: "week4", day: 28), .assess(id, visit: "week12", day: 84)]
      }
    }
  }

  @Test func sixteenConcurrentWritersLoseNothingAndAuditEverything() throws {
    try TestDatabase.with { db in
      _ = try RegistryFixture(db)
      try db.insertReleasedLot(
        Self.lot, source: "umbilical_cord", manufactured: CalendarDate(iso: "2025-11-01")!,
        expires: CalendarDate(iso: "2027-11-01")!)
      let ledger = LoadLedger()
      let started = Date()
      _ = try Concurrently.run(Self.writers) { index in
        Self.runWriter(index, db: db, ledger: ledger)
      }
      let seconds = Date().timeIntervalSince(started)
      let writes = ledger.allWrites

      #expect(writes.count == Self.writers * Self.writesPerWriter)
      let failed = writes.filter { $0.status != 0 }
      #expect(
        failed.count == 0, "\(failed.count) writes failed, first: \(failed.first?.detail ?? "")")
      var counts: [LoadLedger.Kind: Int] = [:]
      for write in writes where write.status == 0 { counts[write.kind, default: 0] += 1 }

      // Study IDs: no duplicate, none missing — SLE-<site>-0001 … N at each site.
      let c = try db.connect()
      for (site, ids) in ledger.studyIDs {
        let stored: [String] = try c.query(
          "SELECT study_id FROM registry.patient WHERE site_code = $1 ORDER BY study_id", [site]
        ).rows.map { try $0.decode("study_id") }
        let expected = (1...ids.count).map {
          "SLE-\(site)-" + String(repeating: "0", count: 4 - String($0).count) + String($0)
        }
        #expect(stored == expected, "study IDs at \(site)")
        #expect(Set(ids) == Set(expected), "IDs printed at \(site)")
      }

      // Every write is in the audit trail.
      func audited(_ table: String, _ action: String = "INSERT") throws -> Int {
        try c.query(
          "SELECT count(*)::int AS n FROM audit.log WHERE table_name = $1 AND action = $2",
          [table, action]
        ).rows[0].decode("n")
      }
      let enrolls = counts[.enroll] ?? 0
      #expect(try audited("registry.patient") == enrolls)
      #expect(try audited("registry.infusion") == counts[.infuse] ?? 0)
      // Enrollment writes the baseline assessment; `assess` the visits.
      #expect(try audited("registry.assessment") == enrolls + (counts[.assess] ?? 0))
      let identities: Int = try c.query(
        """
        SELECT count(*)::int AS n FROM identity.audit_log
        WHERE table_name = 'identity.patient_identity' AND action = 'INSERT'
        """
      ).rows[0].decode("n")
      #expect(identities == enrolls)
      let verify = try CLIRunner.run(["audit", "verify"], database: db)
      #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

      func figures(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(
          format: "p50 %.0f ms, p95 %.0f ms", percentile(sorted, 50), percentile(sorted, 95))
      }
      let ok = writes.filter { $0.status == 0 }
      let perKind = LoadLedger.Kind.allCases.map { kind in
        "\(kind.rawValue) \(counts[kind] ?? 0) (\(figures(ok.filter { $0.kind == kind }.map(\.milliseconds))))"
      }.joined(separator: "; ")
      print(
        "reliability.load: \(ok.count) writes, \(figures(ok.map(\.milliseconds))), "
          + "\(Self.writers) processes at once, "
          + String(format: "%.1f s, %.0f writes/s", seconds, Double(ok.count) / seconds)
          + " — \(perKind); study IDs gapless at PAN and BOG, every write audited, chain verified")
    }
  }
}
