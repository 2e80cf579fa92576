import Testing

@testable import RegistryDomain

/// Issue 12, item 4: dose per kg in exact decimal arithmetic, bands with inclusive lower
/// edges, printed as `1.0×10⁶/kg` and as a plain number.
@Suite struct DosePerKgTests {
  @Test func exactQuotientAtTheEdges() {
    // Binary floating point misses both edges: the reason for this code.
    #expect(4.02e7 / 40.2 < 1.0e6)
    #expect(2.01e7 / 40.2 < 0.5e6)
    #expect(DosePerKg.value(cells: 4.02e7, weightKg: 40.2) == 1.0e6)
    #expect(DosePerKg.value(cells: 2.01e7, weightKg: 40.2) == 0.5e6)
    #expect(DosePerKg.isAtLeast(cells: 4.02e7, weightKg: 40.2, 1.0e6))
    #expect(DosePerKg.isAtMost(cells: 4.02e7, weightKg: 40.2, 1.0e6))
    #expect(!DosePerKg.isAtLeast(cells: 4.02e7 - 1, weightKg: 40.2, 1.0e6))
    #expect(!DosePerKg.isAtMost(cells: 4.02e7 + 1, weightKg: 40.2, 1.0e6))
    let entry = InfusionEntry(
      studyID: "X", lotNumber: "L", date: CalendarDate(iso: "2026-01-01")!, weightKg: 40.2,
      cells: 4.02e7)
    #expect(entry.dosePerKg == 1.0e6)
  }

  @Test func bandsHaveInclusiveLowerEdges() {
    #expect(DoseBand.label(cells: 4.02e7, weightKg: 40.2) == "1.0–<2.0×10⁶/kg")
    #expect(DoseBand.label(cells: 4.02e7 - 1, weightKg: 40.2) == "0.5–<1.0×10⁶/kg")
    #expect(DoseBand.label(cells: 2.01e7, weightKg: 40.2) == "0.5–<1.0×10⁶/kg")
    #expect(DoseBand.label(cells: 2.01e7 - 1, weightKg: 40.2) == "<0.5×10⁶/kg")
    #expect(DoseBand.label(cells: 8.04e7, weightKg: 40.2) == "≥2.0×10⁶/kg")
    #expect(
      DoseBand.label(dosePerKg: DosePerKg.value(cells: 4.02e7, weightKg: 40.2))
        == "1.0–<2.0×10⁶/kg")
    #expect(DoseBand.label(dosePerKg: 0.5e6) == "0.5–<1.0×10⁶/kg")
    #expect(DoseBand.label(dosePerKg: nil) == "none")
  }

  @Test func printedInMillionsPerKgAndAsAPlainNumber() {
    #expect(DosePerKg.text(1.0e6) == "1.0×10⁶/kg")
    #expect(DosePerKg.text(DosePerKg.value(cells: 4.02e7, weightKg: 40.2)) == "1.0×10⁶/kg")
    #expect(DosePerKg.text(3e7 / 31) == "0.97×10⁶/kg")
    #expect(DosePerKg.text(1.25e6) == "1.25×10⁶/kg")
    #expect(DosePerKg.text(0.5e6) == "0.5×10⁶/kg")
    #expect(DosePerKg.text(2.0e6) == "2.0×10⁶/kg")
    // Never rounded up into the next band.
    #expect(DosePerKg.text(999_999.99) == "0.999999×10⁶/kg")
    #expect(DosePerKg.text(499_000) == "0.499×10⁶/kg")
    #expect(DosePerKg.plain(3e7 / 31) == "967741.935483871")
    #expect(DosePerKg.plain(1.0e6) == "1000000")
    #expect(!DosePerKg.plain(3e7 / 31).contains("e"))
  }
}
