import Testing

@testable import RegistryDomain

private func visit(_ sledai: Int, pga: Double? = 1.0, bilag: String? = nil) throws -> SRI4.Visit {
  try SRI4.Visit(
    sledai2kScore: sledai, pga: pga.map { try PhysicianGlobalAssessment($0) },
    bilag: bilag.map { try BILAG2004(parsing: $0) })
}

@Suite struct SRI4Tests {
  @Test func sledaiReductionOfFour() throws {
    let met = SRI4(baseline: try visit(10), followUp: try visit(6))
    #expect(met.sledaiReduction == 4)
    #expect(met.sledai == .met)
    #expect(met.pga == .met)
    #expect(met.bilag == .notAssessed)
    #expect(met.responder)
    let three = SRI4(baseline: try visit(10), followUp: try visit(7))
    #expect(three.sledai == .notMet)
    #expect(!three.responder)
  }

  @Test func pgaWorseningBelowPointThree() throws {
    let small = SRI4(baseline: try visit(12, pga: 1.0), followUp: try visit(4, pga: 1.2))
    #expect(small.pga == .met)
    #expect(small.responder)
    // 1.2 − 0.9 is 0.29999999999999993 in binary; the registry compares 0.3, which fails.
    let exact = SRI4(baseline: try visit(12, pga: 0.9), followUp: try visit(4, pga: 1.2))
    #expect(exact.pgaChange == 0.3)
    #expect(exact.pga == .notMet)
    #expect(!exact.responder)
    let worse = SRI4(baseline: try visit(12, pga: 1.0), followUp: try visit(4, pga: 1.3))
    #expect(worse.pga == .notMet)
    let better = SRI4(baseline: try visit(12, pga: 2.0), followUp: try visit(4, pga: 0.5))
    #expect(better.pgaChange == -1.5)
    #expect(better.pga == .met)
  }

  @Test func missingPGAIsNotAssessedAndNotAResponse() throws {
    let r = SRI4(baseline: try visit(12, pga: nil), followUp: try visit(4))
    #expect(r.pga == .notAssessed)
    #expect(r.pgaChange == nil)
    #expect(!r.responder)
  }

  @Test func bilagNewAAndNewB() throws {
    let newA = SRI4(
      baseline: try visit(12, bilag: "renal=B"), followUp: try visit(4, bilag: "renal=A"))
    #expect(newA.newBILAGA == [.renal])
    #expect(newA.bilag == .notMet)
    #expect(!newA.responder)
    let stillA = SRI4(
      baseline: try visit(12, bilag: "renal=A"), followUp: try visit(4, bilag: "renal=A"))
    #expect(stillA.newBILAGA.isEmpty)
    #expect(stillA.bilag == .met)
    #expect(stillA.responder)
    let oneB = SRI4(
      baseline: try visit(12, bilag: "mucocutaneous=C,renal=B"),
      followUp: try visit(4, bilag: "mucocutaneous=B,renal=B"))
    #expect(oneB.newBILAGB == [.mucocutaneous])
    #expect(oneB.bilag == .met)
    let aToB = SRI4(
      baseline: try visit(12, bilag: "renal=A"), followUp: try visit(4, bilag: "renal=B"))
    #expect(aToB.newBILAGB.isEmpty)
    let twoB = SRI4(
      baseline: try visit(12, bilag: "mucocutaneous=C,musculoskeletal=E"),
      followUp: try visit(4, bilag: "mucocutaneous=B,musculoskeletal=B"))
    #expect(twoB.newBILAGB == [.mucocutaneous, .musculoskeletal])
    #expect(twoB.bilag == .notMet)
    #expect(!twoB.responder)
    // A domain not recorded at baseline is taken as not A or B there.
    let unrecorded = SRI4(
      baseline: try visit(12, bilag: "mucocutaneous=C"), followUp: try visit(4, bilag: "renal=A"))
    #expect(unrecorded.newBILAGA == [.renal])
  }

  @Test func bilagOnlyWhenBothVisitsHaveIt() throws {
    let r = SRI4(baseline: try visit(12), followUp: try visit(4, bilag: "renal=A"))
    #expect(r.bilag == .notAssessed)
    #expect(r.newBILAGA.isEmpty)
    #expect(r.responder)
  }

  @Test func visitFromDescriptorsAndScoreRange() throws {
    let v = SRI4.Visit(
      sledai2k: SLEDAI2K([.seizure, .rash]), pga: try PhysicianGlobalAssessment(1), bilag: nil)
    #expect(v.sledai2k == 10)
    expectRefused("--sledai-descriptors", "0–105") { try visit(106) }
    expectRefused("--sledai-descriptors", "0–105") { try visit(-1) }
  }
}

@Suite struct RenalResponseTests {
  private func renal(u0: Double?, c0: Double?, u: Double?, c: Double?) throws -> RenalResponse {
    RenalResponse(
      baselineUPCR: try u0.map { try UPCR($0) },
      baselineCreatinine: try c0.map { try Creatinine($0) },
      upcr: try u.map { try UPCR($0) }, creatinine: try c.map { try Creatinine($0) })
  }

  @Test func completeNeedsUPCRBelowHalfAndStableCreatinine() throws {
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.15).category == .complete)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 0.85).category == .complete)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.16).category == .partial)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 0.84).category == .partial)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.49, c: 1.0).category == .complete)
    let atHalf = try renal(u0: 3, c0: 1.0, u: 0.5, c: 1.0)
    #expect(atHalf.category == .partial)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.15).creatinineChange == 0.15)
  }

  @Test func partialNeedsHalfReductionAndBelowThree() throws {
    let half = try renal(u0: 1.0, c0: 1, u: 0.5, c: 2)
    #expect(half.upcrReduction == 0.5)
    #expect(half.category == .partial)
    #expect(half.isResponder)
    #expect(try renal(u0: 1.0, c0: 1, u: 0.51, c: 1).category == RenalResponse.Category.none)
    #expect(try renal(u0: 10, c0: 1, u: 3.0, c: 1).category == RenalResponse.Category.none)
    #expect(try renal(u0: 10, c0: 1, u: 2.99, c: 1).category == .partial)
    #expect(try renal(u0: 0, c0: 1, u: 0, c: 2).category == RenalResponse.Category.none)
  }

  @Test func unitsAreConvertedBeforeComparing() throws {
    let r = RenalResponse(
      baselineUPCR: try UPCR(parsing: "300mg/mmol"),
      baselineCreatinine: try Creatinine(parsing: "88.4umol/L"),
      upcr: try UPCR(parsing: "45mg/mmol"), creatinine: try Creatinine(parsing: "1.1"))
    #expect(r.category == .complete)
    let fifty = RenalResponse(
      baselineUPCR: try UPCR(parsing: "300mg/mmol"), baselineCreatinine: try Creatinine(1),
      upcr: try UPCR(parsing: "50mg/mmol"), creatinine: try Creatinine(1))
    #expect(fifty.category == .partial)
  }

  @Test func missingValues() throws {
    #expect(try renal(u0: 3, c0: 1, u: nil, c: 1).category == .notEvaluable)
    // UPCR < 0.5 but no creatinine and no baseline UPCR: cannot tell.
    #expect(try renal(u0: nil, c0: nil, u: 0.4, c: 1).category == .notEvaluable)
    // No creatinine: complete cannot be shown, partial holds.
    #expect(try renal(u0: 1, c0: nil, u: 0.4, c: nil).category == .partial)
    // Baseline UPCR missing, creatinine stable: complete.
    #expect(try renal(u0: nil, c0: 1, u: 0.4, c: 1).category == .complete)
    // UPCR ≥ 3 rules out both whatever is missing.
    #expect(try renal(u0: nil, c0: nil, u: 4, c: nil).category == RenalResponse.Category.none)
    // 0.5 ≤ UPCR < 3 without baseline UPCR: cannot tell.
    #expect(try renal(u0: nil, c0: 1, u: 1, c: 1).category == .notEvaluable)
    #expect(!(try renal(u0: nil, c0: 1, u: 1, c: 1).isResponder))
  }
}

@Suite struct ChangeFromBaselineTests {
  @Test func valueMinusBaseline() {
    #expect(ChangeFromBaseline(baseline: 0.9, value: 1.2).change == 0.3)
    #expect(ChangeFromBaseline(baseline: 20, value: 17).change == -3)
    #expect(ChangeFromBaseline.of(baseline: nil, value: 1) == nil)
    #expect(ChangeFromBaseline.of(baseline: 1, value: nil) == nil)
    #expect(ChangeFromBaseline.of(baseline: 1, value: 4)?.change == 3)
  }

  @Test func engineVersionIsSet() {
    #expect(!ScoreEngine.version.isEmpty)
    #expect(ScoreEngine.version.split(separator: ".").count == 3)
  }
}
