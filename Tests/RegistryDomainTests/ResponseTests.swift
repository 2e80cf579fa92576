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

  @Test func bilagAtTheVisitWithoutBaselineIsNotEvaluable() throws {
    let r = SRI4(baseline: try visit(12), followUp: try visit(4, bilag: "renal=C"))
    #expect(r.bilag == .notEvaluable)
    #expect(r.newBILAGA.isEmpty)
    #expect(!r.responder)
    // Both visits graded: assessed; baseline only: not assessed, does not block.
    let both = SRI4(
      baseline: try visit(12, bilag: "renal=C"), followUp: try visit(4, bilag: "renal=C"))
    #expect(both.bilag == .met && both.responder)
    let baselineOnly = SRI4(baseline: try visit(12, bilag: "renal=C"), followUp: try visit(4))
    #expect(baselineOnly.bilag == .notAssessed && baselineOnly.responder)
    let neither = SRI4(baseline: try visit(12), followUp: try visit(4))
    #expect(neither.bilag == .notAssessed && neither.responder)
  }

  @Test func statusInAReport() throws {
    let b = try visit(12)
    let good = try visit(4)
    // Death before the window closes: non-responder, even with a responding visit.
    #expect(
      SRI4.status(baseline: b, followUp: good, diedBeforeWindowCloses: true, windowClosed: false)
        == .nonResponder)
    #expect(
      SRI4.status(baseline: b, followUp: nil, diedBeforeWindowCloses: true, windowClosed: false)
        == .nonResponder)
    #expect(
      SRI4.status(baseline: b, followUp: good, diedBeforeWindowCloses: false, windowClosed: true)
        == .responder)
    #expect(
      SRI4.status(baseline: b, followUp: nil, diedBeforeWindowCloses: false, windowClosed: true)
        == .missing)
    #expect(
      SRI4.status(baseline: b, followUp: nil, diedBeforeWindowCloses: false, windowClosed: false)
        == .notDue)
    #expect(
      SRI4.status(
        baseline: b, followUp: try visit(4, bilag: "renal=D"), diedBeforeWindowCloses: false,
        windowClosed: true) == .missing)
    #expect(
      SRI4.status(baseline: nil, followUp: good, diedBeforeWindowCloses: false, windowClosed: true)
        == .nonResponder)
    #expect(
      SRI4.status(
        baseline: b, followUp: try visit(10), diedBeforeWindowCloses: false, windowClosed: true)
        == .nonResponder)
  }

  @Test func visitFromDescriptorsAndScoreRange() throws {
    let v = SRI4.Visit(
      sledai2k: SLEDAI2K([.seizure, .rash]), pga: try PhysicianGlobalAssessment(1), bilag: nil)
    #expect(v.sledai2k == 10)
    expectRefused("sledai_descriptors", "0–105") { try visit(106) }
    expectRefused("sledai_descriptors", "0–105") { try visit(-1) }
  }
}

@Suite struct RenalResponseTests {
  private func renal(u0: Double?, c0: Double?, u: Double?, c: Double?, min: Double = 0.5) throws
    -> RenalResponse
  {
    RenalResponse(
      baselineUPCR: try u0.map { try UPCR($0) },
      baselineCreatinine: try c0.map { try Creatinine($0) },
      upcr: try u.map { try UPCR($0) }, creatinine: try c.map { try Creatinine($0) },
      populationUPCRMin: min)
  }

  @Test func populationIsBaselineUPCRAtLeastHalf() throws {
    // Issue 12: 0.4 → 0.3 g/g is no response at all: the patient never had nephritis.
    #expect(try renal(u0: 0.4, c0: 1, u: 0.3, c: 1).category == .outsidePopulation)
    #expect(try renal(u0: 0.49, c0: 1, u: 0.3, c: 1).category == .outsidePopulation)
    #expect(try renal(u0: 0.5, c0: 1, u: 0.3, c: 1).category == .complete)
    #expect(try renal(u0: nil, c0: 1, u: 0.3, c: 1).category == .outsidePopulation)
    #expect(!(try renal(u0: 0.4, c0: 1, u: 0.3, c: 1).inPopulation))
    // A protocol threshold of 1 g/g.
    #expect(try renal(u0: 0.99, c0: 1, u: 0.3, c: 1, min: 1).category == .outsidePopulation)
    #expect(try renal(u0: 1.0, c0: 1, u: 0.3, c: 1, min: 1).category == .complete)
  }

  @Test func completeNeedsUPCRBelowHalfAndCreatinineAtMost115Percent() throws {
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.15).category == .complete)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.16).category == RenalResponse.Category.none)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.49, c: 1.0).category == .complete)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.5, c: 1.0).category == .partial)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 1.15).creatinineChange == 0.15)
  }

  @Test func improvingKidneyFunctionNeverDemotes() throws {
    // Issue 12: creatinine 2.0 → 1.5 made a complete response "partial".
    #expect(try renal(u0: 3, c0: 2.0, u: 0.4, c: 1.5).category == .complete)
    #expect(try renal(u0: 3, c0: 1.0, u: 0.4, c: 0.5).category == .complete)
    #expect(try renal(u0: 4, c0: 2.0, u: 1.5, c: 1.0).category == .partial)
  }

  @Test func partialNeedsHalfReductionBelowThreeAndStableCreatinine() throws {
    let half = try renal(u0: 1.0, c0: 1, u: 0.5, c: 1)
    #expect(half.upcrReduction == 0.5)
    #expect(half.category == .partial)
    #expect(half.isResponder)
    #expect(try renal(u0: 1.0, c0: 1, u: 0.51, c: 1).category == RenalResponse.Category.none)
    #expect(try renal(u0: 10, c0: 1, u: 3.0, c: 1).category == RenalResponse.Category.none)
    #expect(try renal(u0: 10, c0: 1, u: 2.99, c: 1).category == .partial)
    // Issue 12: UPCR 4.0 → 1.5 with creatinine 1.0 → 2.0 is not a partial response.
    #expect(try renal(u0: 4, c0: 1.0, u: 1.5, c: 2.0).category == RenalResponse.Category.none)
    #expect(try renal(u0: 4, c0: 1.0, u: 1.5, c: 1.15).category == .partial)
    #expect(try renal(u0: 4, c0: 1.0, u: 1.5, c: 1.16).category == RenalResponse.Category.none)
  }

  @Test func unitsAreConvertedBeforeComparing() throws {
    let r = RenalResponse(
      baselineUPCR: try UPCR(parsing: "3000mg/g"),
      baselineCreatinine: try Creatinine(parsing: "88.4umol/L"),
      upcr: try UPCR(parsing: "450mg/g"), creatinine: try Creatinine(parsing: "1.1"))
    #expect(r.category == .complete)
    let fifty = RenalResponse(
      baselineUPCR: try UPCR(parsing: "3000mg/g"), baselineCreatinine: try Creatinine(1),
      upcr: try UPCR(parsing: "500mg/g"), creatinine: try Creatinine(1))
    #expect(fifty.category == .partial)
  }

  @Test func aVisitWithoutUPCROrCreatinineIsNotEvaluable() throws {
    #expect(try renal(u0: 3, c0: 1, u: nil, c: 1).category == .notEvaluable)
    // Issue 12: a missing creatinine counted as partial.
    #expect(try renal(u0: 1, c0: 1, u: 0.4, c: nil).category == .notEvaluable)
    #expect(try renal(u0: 4, c0: 1, u: 1.5, c: nil).category == .notEvaluable)
    #expect(try renal(u0: 4, c0: nil, u: 0.4, c: 1).category == .notEvaluable)
    #expect(!(try renal(u0: 4, c0: nil, u: 0.4, c: 1).isResponder))
    #expect(try renal(u0: 4, c0: nil, u: 0.4, c: 1).inPopulation)
  }

  @Test func statusInAReport() throws {
    func status(
      _ u0: Double?, _ u: Double?, _ c: Double?, recorded: Bool = true, closed: Bool = true
    ) throws -> ResponderStatus {
      RenalResponse.status(
        baselineUPCR: try u0.map { try UPCR($0) }, baselineCreatinine: try Creatinine(1),
        upcr: try u.map { try UPCR($0) }, creatinine: try c.map { try Creatinine($0) },
        visitRecorded: recorded, windowClosed: closed)
    }
    #expect(try status(2, 0.3, 1) == .responder)
    #expect(try status(2, 2, 1) == .nonResponder)
    #expect(try status(2, nil, 1) == .missing)
    #expect(try status(2, nil, nil, recorded: false, closed: true) == .missing)
    #expect(try status(2, nil, nil, recorded: false, closed: false) == .notDue)
    #expect(try status(0.4, nil, nil, recorded: false, closed: true) == .outsidePopulation)
    #expect(try status(0.4, 0.1, 1) == .outsidePopulation)
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
