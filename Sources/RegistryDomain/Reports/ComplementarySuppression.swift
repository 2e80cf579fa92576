/// One count of a report as disclosure control sees it: where it is printed (a scope, such as a
/// group's label, or `""` for the report's own figures like the CONSORT flow) and its path.
public struct DisclosureCell: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// `""` for report-level figures, else the group's label.
  public var scope: String
  /// The figure's path within its scope (`enrolled`, `flow.screened`,
  /// `adverse_events.worst_grade.3` …), as listed in `suppressed`.
  public var path: String

  /// Creates a cell.
  public init(_ scope: String, _ path: String) {
    self.scope = scope
    self.path = path
  }

  public static func < (a: Self, b: Self) -> Bool { (a.scope, a.path) < (b.scope, b.path) }

  public var description: String { scope.isEmpty ? path : "\(scope)/\(path)" }
}

/// A linear identity among printed counts: `total = parts[0] + parts[1] + …`.
///
/// A line is registered for every sum a reader can form from one report: the flow (`screened
/// = screen_failed + enrolled`), a total against its groups, a row against its columns. A part
/// may itself be the total of another line; one cell may sit in any number of lines.
public struct DisclosureLine: Sendable, Equatable, CustomStringConvertible {
  /// The printed total.
  public var total: DisclosureCell
  /// The printed counts that add up to it.
  public var parts: [DisclosureCell]

  /// Creates a line.
  public init(total: DisclosureCell, parts: [DisclosureCell]) {
    self.total = total
    self.parts = parts
  }

  /// The total and the parts.
  public var members: [DisclosureCell] { [total] + parts }

  public var description: String {
    "\(total) = " + parts.map(\.description).joined(separator: " + ")
  }
}

/// What a reader can tell of one suppressed count from the printed figures: it lies in
/// `low...high` (`high` nil: no upper bound).
public struct DisclosureBounds: Sendable, Equatable {
  /// Smallest value the count can have.
  public var low: Int
  /// Largest value, or nil when unbounded.
  public var high: Int?

  /// Creates bounds.
  public init(low: Int, high: Int?) {
    self.low = low
    self.high = high
  }

  /// True when the reader can tell the exact value.
  public var isExact: Bool { high == low }
}

/// The result of complementary suppression.
public struct SuppressionPlan: Sendable, Equatable {
  /// Counts from 1 to `minCell − 1`: printed as `<minCell`.
  public var primary: Set<DisclosureCell>
  /// Counts of at least `minCell` withheld so that no primary count can be recovered.
  public var complementary: Set<DisclosureCell>
  /// Registered lines whose counts do not add up (so they are no identity a reader could use);
  /// they were left out. Empty for a correctly registered report.
  public var inexactLines: [DisclosureLine]
  /// Suppressed counts still exact for a reader (only when no printed cell was left to
  /// suppress; empty in every report the registry builds).
  public var exposed: Set<DisclosureCell>

  /// Creates a plan (empty by default: nothing withheld).
  public init(
    primary: Set<DisclosureCell> = [], complementary: Set<DisclosureCell> = [],
    inexactLines: [DisclosureLine] = [], exposed: Set<DisclosureCell> = []
  ) {
    self.primary = primary
    self.complementary = complementary
    self.inexactLines = inexactLines
    self.exposed = exposed
  }

  /// Every withheld count.
  public var suppressed: Set<DisclosureCell> { primary.union(complementary) }
}

/// Small-cell suppression with complementary suppression over linear identities, as a pure
/// function (no I/O), so that it can be tested without a database.
///
/// Primary suppression withholds every count from 1 to `minCell − 1`. A reader who knows the
/// rule knows that such a count lies in `1...minCell−1` (for `minCell` 2, where `<2` is 1
/// anyway, the audit leaves out the upper bound), that a complementary count lies in
/// `minCell...` (zeros are printed, never chosen as complements), and every printed count. The
/// audit (`bounds`) propagates those intervals through every line until nothing changes (each
/// line bounds each of its withheld counts by the others' bounds, and a bound learnt in one
/// line feeds every other line). While some withheld count is left with one possible value,
/// the smallest printed non-zero count of a line holding it is withheld too, and the audit
/// runs again — so a single suppressed cell in a line, two cells of 1 in a line whose printed
/// total is 2, or a chain of lines that pins a cell all draw a complement.
///
/// Limits: interval propagation is not a full linear program, so a pattern that only a solver
/// over many lines at once could pin (rare in one- and two-way tables with a few groups) is not
/// caught; and only registered lines are audited.
public enum ComplementarySuppression {
  /// Plans suppression of `values` under `lines` for a minimum cell size.
  ///
  /// `order` breaks ties between equal counts (earlier cells are withheld first); cells not in
  /// it come after, in `DisclosureCell` order. With `minCell` ≤ 1 nothing is suppressed.
  public static func plan(
    values: [DisclosureCell: Int], lines: [DisclosureLine], minCell: Int,
    order: [DisclosureCell] = []
  ) -> SuppressionPlan {
    var plan = SuppressionPlan()
    guard minCell > 1 else { return plan }
    plan.primary = Set(values.filter { $0.value >= 1 && $0.value < minCell }.keys)
    var exact: [DisclosureLine] = []
    for line in lines {
      if let total = values[line.total], let parts = sum(line.parts, values), total == parts {
        exact.append(line)
      } else {
        plan.inexactLines.append(line)
      }
    }
    var rank: [DisclosureCell: Int] = [:]
    for (i, cell) in order.enumerated() where rank[cell] == nil { rank[cell] = i }
    func before(_ a: DisclosureCell, _ b: DisclosureCell) -> Bool {
      let (va, vb) = (values[a] ?? 0, values[b] ?? 0)
      if va != vb { return va < vb }
      let (ra, rb) = (rank[a] ?? Int.max, rank[b] ?? Int.max)
      return ra != rb ? ra < rb : a < b
    }
    while true {
      let b = bounds(
        values: values, lines: exact, minCell: minCell, primary: plan.primary,
        complementary: plan.complementary)
      let exposed = Set(b.filter { $0.value.isExact }.keys)
      if exposed.isEmpty { return plan }
      let suppressed = plan.suppressed
      func candidate(in lines: [DisclosureLine]) -> DisclosureCell? {
        lines.flatMap(\.members)
          .filter { !suppressed.contains($0) && (values[$0] ?? 0) > 0 }
          .min(by: before)
      }
      // First a line holding an exposed cell (the smallest candidate among them), else any
      // line holding a withheld cell.
      let holding = exact.filter { $0.members.contains(where: exposed.contains) }
      let touching = exact.filter { $0.members.contains(where: suppressed.contains) }
      guard let next = candidate(in: holding) ?? candidate(in: touching) else {
        plan.exposed = exposed
        return plan
      }
      plan.complementary.insert(next)
      plan.exposed = []
    }
  }

  /// What a reader can tell of each withheld count (primary and complementary) from the
  /// printed counts and the lines: interval propagation to a fixed point.
  ///
  /// Lines whose printed values do not add up should be left out by the caller (`plan` does).
  public static func bounds(
    values: [DisclosureCell: Int], lines: [DisclosureLine], minCell: Int,
    primary: Set<DisclosureCell>, complementary: Set<DisclosureCell>
  ) -> [DisclosureCell: DisclosureBounds] {
    var b: [DisclosureCell: DisclosureBounds] = [:]
    // `<2` says 1 by itself; there the audit asks only whether the lines pin the count (as if
    // the mark gave no upper bound), so that no line leaves it alone either.
    for cell in primary {
      b[cell] = DisclosureBounds(low: 1, high: minCell > 2 ? minCell - 1 : nil)
    }
    for cell in complementary where b[cell] == nil {
      b[cell] = DisclosureBounds(low: minCell, high: nil)
    }
    let relevant = lines.filter { $0.members.contains { b[$0] != nil } }
    var changed = true
    var passes = 0
    while changed && passes < 10_000 {
      changed = false
      passes += 1
      for line in relevant {
        // total − Σ parts = 0, each member with its sign.
        let signed = [(line.total, 1)] + line.parts.map { ($0, -1) }
        var known = 0
        var unknown: [(DisclosureCell, Int)] = []
        for (cell, sign) in signed {
          if b[cell] != nil {
            unknown.append((cell, sign))
          } else {
            known += sign * (values[cell] ?? 0)
          }
        }
        for (i, (cell, sign)) in unknown.enumerated() {
          // sign·x = −known − Σ_{others} sign_j·x_j
          var low: Int? = -known
          var high: Int? = -known
          for (j, (other, s)) in unknown.enumerated() where j != i {
            let ob = b[other]!
            // −s·x_j ranges over [−s·high, −s·low] for s = 1, [low, high] for s = −1.
            if s == 1 {
              low = ob.high.flatMap { h in low.map { $0 - h } }
              high = high.map { $0 - ob.low }
            } else {
              low = low.map { $0 + ob.low }
              high = ob.high.flatMap { h in high.map { $0 + h } }
            }
          }
          // x = (sign·x) / sign
          let (xLow, xHigh) = sign == 1 ? (low, high) : (high.map { -$0 }, low.map { -$0 })
          var current = b[cell]!
          if let xLow, xLow > current.low {
            current.low = xLow
            changed = true
          }
          if let xHigh, current.high.map({ xHigh < $0 }) ?? true {
            current.high = xHigh
            changed = true
          }
          b[cell] = current
        }
      }
    }
    return b
  }

  static func sum(_ cells: [DisclosureCell], _ values: [DisclosureCell: Int]) -> Int? {
    var total = 0
    for cell in cells {
      guard let v = values[cell] else { return nil }
      total += v
    }
    return total
  }
}
