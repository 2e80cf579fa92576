import Testing

@testable import RegistryDomain

/// An attacker independent of the planner: enumerates every assignment of the withheld counts
/// that agrees with the printed counts, every line, and what the marks say (`<N`: 1…N−1;
/// `≥N`: N or more, up to `cap`), and returns the withheld counts that take one value only.
func recoverable(
  values: [DisclosureCell: Int], lines: [DisclosureLine], minCell: Int, plan: SuppressionPlan,
  cap: Int
) -> Set<DisclosureCell> {
  let hidden = plan.suppressed.sorted()
  let index = Dictionary(uniqueKeysWithValues: hidden.enumerated().map { ($1, $0) })
  // Each line is checked as soon as its last withheld member has a value (pruning).
  var due: [Int: [DisclosureLine]] = [:]
  var fixed: [DisclosureLine] = []
  for line in lines {
    if let last = line.members.compactMap({ index[$0] }).max() {
      due[last, default: []].append(line)
    } else {
      fixed.append(line)
    }
  }
  var seen: [DisclosureCell: Set<Int>] = [:]
  var current: [DisclosureCell: Int] = values
  func holds(_ line: DisclosureLine) -> Bool {
    current[line.total]! == line.parts.reduce(0) { $0 + current[$1]! }
  }
  guard fixed.allSatisfy(holds) else { return Set(hidden) }
  func assign(_ i: Int) {
    if i == hidden.count {
      for cell in hidden { seen[cell, default: []].insert(current[cell]!) }
      return
    }
    let cell = hidden[i]
    let range = plan.primary.contains(cell) ? Array(1..<minCell) : Array(minCell...cap)
    for v in range {
      current[cell] = v
      if (due[i] ?? []).allSatisfy(holds) { assign(i + 1) }
    }
  }
  assign(0)
  return Set(hidden.filter { (seen[$0]?.count ?? 0) <= 1 })
}

/// Every difference a reader can take: for each line with exactly one withheld member, that
/// member is the difference of printed counts. Returns the cells so recovered.
func recoveredBySubtraction(lines: [DisclosureLine], suppressed: Set<DisclosureCell>)
  -> Set<DisclosureCell>
{
  Set(
    lines.compactMap { line in
      let hidden = line.members.filter(suppressed.contains)
      return hidden.count == 1 ? hidden[0] : nil
    })
}

@Suite struct ComplementarySuppressionTests {
  static func c(_ path: String, _ scope: String = "") -> DisclosureCell {
    DisclosureCell(scope, path)
  }

  @Test func bySiteTheIssueExampleNoLongerGivesGZUBySubtraction() {
    // flow: enrolled 83 = PAN 30 + BOG 50 + GZU 3; the issue's report printed GZU <5.
    let total = Self.c("flow.enrolled")
    let sites = ["PAN": 30, "BOG": 50, "GZU": 3]
    var values: [DisclosureCell: Int] = [total: 83]
    for (site, n) in sites { values[Self.c("enrolled", site)] = n }
    let line = DisclosureLine(
      total: total, parts: ["PAN", "BOG", "GZU"].map { Self.c("enrolled", $0) })
    let plan = ComplementarySuppression.plan(values: values, lines: [line], minCell: 5)
    #expect(plan.primary == [Self.c("enrolled", "GZU")])
    // The next-smallest cell of the line is withheld with it.
    #expect(plan.complementary == [Self.c("enrolled", "PAN")])
    #expect(recoveredBySubtraction(lines: [line], suppressed: plan.suppressed).isEmpty)
    #expect(
      recoverable(values: values, lines: [line], minCell: 5, plan: plan, cap: 83).isEmpty)
    #expect(plan.exposed.isEmpty && plan.inexactLines.isEmpty)
  }

  @Test func enrolledNineControlFourMSCFive() {
    // "enrolled 9 … control <5, msc 5", and the arm groups repeat the allocation.
    let cells = [
      Self.c("flow.enrolled"), Self.c("flow.analysed"), Self.c("flow.allocated.control"),
      Self.c("flow.allocated.msc"), Self.c("enrolled", "control"), Self.c("enrolled", "msc"),
    ]
    let values = Dictionary(uniqueKeysWithValues: zip(cells, [9, 9, 4, 5, 4, 5]))
    let lines = [
      DisclosureLine(total: cells[0], parts: [cells[2], cells[3]]),
      DisclosureLine(total: cells[1], parts: [cells[0]]),
      DisclosureLine(total: cells[0], parts: [cells[4], cells[5]]),
      DisclosureLine(total: cells[2], parts: [cells[4]]),
      DisclosureLine(total: cells[3], parts: [cells[5]]),
    ]
    let plan = ComplementarySuppression.plan(values: values, lines: lines, minCell: 5)
    #expect(plan.primary == [cells[2], cells[4]])
    #expect(plan.complementary == [cells[3], cells[5]])
    #expect(recoveredBySubtraction(lines: lines, suppressed: plan.suppressed).isEmpty)
    #expect(recoverable(values: values, lines: lines, minCell: 5, plan: plan, cap: 9).isEmpty)
  }

  @Test func twoOnesUnderAPrintedTotalDrawAComplement() {
    // 10 = 1 + 1 + 8: each 1 is "<5", but the two sum to 2, so each is exactly 1.
    let parts = ["a", "b", "c"].map { Self.c($0) }
    let total = Self.c("t")
    let values = [total: 10, parts[0]: 1, parts[1]: 1, parts[2]: 8]
    let line = DisclosureLine(total: total, parts: parts)
    let plan = ComplementarySuppression.plan(values: values, lines: [line], minCell: 5)
    #expect(plan.primary == [parts[0], parts[1]])
    #expect(plan.complementary == [parts[2]])
    #expect(recoverable(values: values, lines: [line], minCell: 5, plan: plan, cap: 10).isEmpty)
  }

  @Test func worstGradesAndTheirTotalAcrossGroupsAndTheFlow() {
    // Two groups; in each, patients_any = Σ worst grades; the flow's enrolled = Σ groups.
    var values: [DisclosureCell: Int] = [:]
    var lines: [DisclosureLine] = []
    let grades: [String: [Int]] = ["msc": [6, 2, 7, 0, 0], "control": [9, 6, 0, 1, 0]]
    for (group, g) in grades {
      let any = Self.c("adverse_events.patients_any", group)
      values[any] = g.reduce(0, +)
      let parts = (1...5).map { Self.c("adverse_events.worst_grade.\($0)", group) }
      for (cell, n) in zip(parts, g) { values[cell] = n }
      lines.append(DisclosureLine(total: any, parts: parts))
      values[Self.c("enrolled", group)] = 20
    }
    values[Self.c("flow.enrolled")] = 40
    lines.append(
      DisclosureLine(
        total: Self.c("flow.enrolled"),
        parts: [Self.c("enrolled", "msc"), Self.c("enrolled", "control")]))
    let plan = ComplementarySuppression.plan(values: values, lines: lines, minCell: 5)
    #expect(
      plan.primary == [
        Self.c("adverse_events.worst_grade.2", "msc"),
        Self.c("adverse_events.worst_grade.4", "control"),
      ])
    #expect(recoveredBySubtraction(lines: lines, suppressed: plan.suppressed).isEmpty)
    #expect(recoverable(values: values, lines: lines, minCell: 5, plan: plan, cap: 20).isEmpty)
    // Zeros are printed and never withheld; the complement is the smallest non-zero cell.
    #expect(plan.complementary.allSatisfy { values[$0]! >= 5 })
    #expect(plan.complementary.contains(Self.c("adverse_events.worst_grade.1", "msc")))
  }

  @Test func aTwoWayTableIsStableAcrossLinkedLines() {
    // Sites × arms with row totals, column totals and a grand total; two small cells.
    let rows = ["PAN", "BOG", "GZU"]
    let cols = ["msc", "control"]
    let table = [[12, 9], [3, 11], [7, 2]]
    var values: [DisclosureCell: Int] = [:]
    var lines: [DisclosureLine] = []
    for (r, row) in rows.enumerated() {
      for (k, col) in cols.enumerated() { values[Self.c(col, row)] = table[r][k] }
      values[Self.c("total", row)] = table[r].reduce(0, +)
      lines.append(
        DisclosureLine(total: Self.c("total", row), parts: cols.map { Self.c($0, row) }))
    }
    for (k, col) in cols.enumerated() {
      values[Self.c(col)] = table.map { $0[k] }.reduce(0, +)
      lines.append(DisclosureLine(total: Self.c(col), parts: rows.map { Self.c(col, $0) }))
    }
    values[Self.c("all")] = table.flatMap { $0 }.reduce(0, +)
    lines.append(DisclosureLine(total: Self.c("all"), parts: cols.map { Self.c($0) }))
    lines.append(DisclosureLine(total: Self.c("all"), parts: rows.map { Self.c("total", $0) }))
    let plan = ComplementarySuppression.plan(values: values, lines: lines, minCell: 5)
    #expect(plan.primary == [Self.c("msc", "BOG"), Self.c("control", "GZU")])
    #expect(recoveredBySubtraction(lines: lines, suppressed: plan.suppressed).isEmpty)
    #expect(recoverable(values: values, lines: lines, minCell: 5, plan: plan, cap: 44).isEmpty)
    #expect(plan.exposed.isEmpty)
  }

  @Test func linesThatDoNotAddUpAreLeftOutAndNothingIsHiddenBelowTwo() {
    let values = [Self.c("t"): 10, Self.c("a"): 3, Self.c("b"): 6]
    let line = DisclosureLine(total: Self.c("t"), parts: [Self.c("a"), Self.c("b")])
    let plan = ComplementarySuppression.plan(values: values, lines: [line], minCell: 5)
    #expect(plan.inexactLines == [line])
    #expect(plan.complementary.isEmpty && plan.primary == [Self.c("a")])
    #expect(
      ComplementarySuppression.plan(values: values, lines: [line], minCell: 0).suppressed.isEmpty)
    // --min-cell 2: "<2" already says 1; the planner must still end.
    let two = ComplementarySuppression.plan(
      values: [Self.c("t"): 7, Self.c("a"): 1, Self.c("b"): 6],
      lines: [DisclosureLine(total: Self.c("t"), parts: [Self.c("a"), Self.c("b")])], minCell: 2)
    #expect(two.primary == [Self.c("a")] && two.complementary == [Self.c("b")])
  }

  @Test func boundsPropagateThroughAChain() {
    // t = a + b, b = c + d: with a, c withheld and t, d printed, a pins nothing alone, but
    // two lines do: b is printed, so a = t − b and c = b − d.
    let v = [Self.c("t"): 20, Self.c("a"): 3, Self.c("b"): 17, Self.c("c"): 2, Self.c("d"): 15]
    let lines = [
      DisclosureLine(total: Self.c("t"), parts: [Self.c("a"), Self.c("b")]),
      DisclosureLine(total: Self.c("b"), parts: [Self.c("c"), Self.c("d")]),
    ]
    let b = ComplementarySuppression.bounds(
      values: v, lines: lines, minCell: 5, primary: [Self.c("a"), Self.c("c")],
      complementary: [])
    #expect(b[Self.c("a")]?.isExact == true && b[Self.c("c")]?.isExact == true)
    let plan = ComplementarySuppression.plan(values: v, lines: lines, minCell: 5)
    #expect(recoverable(values: v, lines: lines, minCell: 5, plan: plan, cap: 20).isEmpty)
  }
}
