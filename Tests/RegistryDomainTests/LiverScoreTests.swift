import Testing

@testable import RegistryDomain

private func meld(
  cr: Double?, bili: Double, inr: Double, dialysis: Bool = false
) throws -> MELD {
  try MELD(
    bilirubin: Bilirubin(bili), creatinine: cr.map { try Creatinine($0) }, inr: INR(inr),
    dialysis: dialysis)
}

@Suite struct MELDTests {
  @Test func referenceExample() throws {
    let m = try meld(cr: 1.9, bili: 4.2, inr: 1.2)
    #expect(m.score == 20)
    #expect(abs(m.meldI - 2.0039) < 1e-4)
    #expect(m.creatinineUsed == 1.9)
    #expect(!m.capped)
    #expect(
      m.parts.map(\.name) == [
        "bilirubin_used", "creatinine_used", "inr_used", "dialysis", "meld_i", "capped",
      ])
  }

  @Test func secondReferenceExampleMELD() throws {
    #expect(try meld(cr: 1.2, bili: 2.0, inr: 1.5).score == 15)
  }

  @Test func valuesBelowOneAreFloored() throws {
    let m = try meld(cr: 0.5, bili: 0.3, inr: 0.8)
    #expect(m.bilirubinUsed == 1 && m.creatinineUsed == 1 && m.inrUsed == 1)
    #expect(m.meldI == 0.643)
    #expect(m.score == 6)
    #expect(try meld(cr: 1, bili: 1, inr: 1).score == MELD.minimum)
  }

  @Test func creatinineIsCappedAtFourAndDialysisSetsFour() throws {
    let four = try meld(cr: 4.0, bili: 1, inr: 1)
    #expect(four.score == 20)
    let above = try meld(cr: 6.5, bili: 1, inr: 1)
    #expect(above.creatinineUsed == 4)
    #expect(above.score == four.score)
    let dialysed = try meld(cr: 1.0, bili: 1, inr: 1, dialysis: true)
    #expect(dialysed.creatinineUsed == 4)
    #expect(dialysed.dialysis)
    #expect(dialysed.score == 20)
    // With dialysis creatinine may be omitted.
    #expect(try meld(cr: nil, bili: 4.2, inr: 1.2, dialysis: true).score == 27)
    #expect(try meld(cr: 1.9, bili: 4.2, inr: 1.2, dialysis: true).score == 27)
  }

  @Test func scoreIsCappedAtForty() throws {
    let m = try meld(cr: 4, bili: 80, inr: 15)
    #expect(m.score == 40)
    #expect(m.capped)
    #expect(m.meldI > 4)
  }

  @Test func siInputsGiveTheSameScore() throws {
    let m = try MELD(
      bilirubin: Bilirubin(parsing: "71.82umol/L"), creatinine: Creatinine(parsing: "167.96umol/L"),
      inr: INR(parsing: "1.2"))
    #expect(m.score == 20)
  }

  @Test func missingInputsAreNamed() throws {
    let e = expectRefused("bilirubin", "MELD needs --bilirubin, --creatinine (missing)") {
      try MELD(bilirubin: nil, creatinine: nil, inr: INR(1.2))
    }
    #expect(e != nil)
    expectRefused("inr", "--inr") {
      try MELD(bilirubin: Bilirubin(1), creatinine: Creatinine(1), inr: nil)
    }
  }
}

@Suite struct MELDNaTests {
  private func meldNa(cr: Double, bili: Double, inr: Double, na: Double) throws -> MELDNa {
    try MELDNa(
      bilirubin: Bilirubin(bili), creatinine: Creatinine(cr), inr: INR(inr), sodium: Sodium(na))
  }

  @Test func referenceExamples() throws {
    let a = try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 125)
    #expect(a.meld.score == 20)
    #expect(a.score == 28)
    #expect(abs(a.unrounded - 27.92) < 1e-9)
    let b = try meldNa(cr: 1.2, bili: 2.0, inr: 1.5, na: 135)
    #expect(b.meld.score == 15)
    #expect(b.score == 17)
    #expect(b.sodiumApplied)
  }

  @Test func appliedOnlyAboveMELD11() throws {
    // bilirubin 3.8 → MELD 11; 3.9 → MELD 12 (creatinine and INR 1).
    let eleven = try meldNa(cr: 1, bili: 3.8, inr: 1, na: 125)
    #expect(eleven.meld.score == 11)
    #expect(!eleven.sodiumApplied)
    #expect(eleven.score == 11)
    let twelve = try meldNa(cr: 1, bili: 3.9, inr: 1, na: 125)
    #expect(twelve.meld.score == 12)
    #expect(twelve.sodiumApplied)
    #expect(abs(twelve.unrounded - 23.088) < 1e-9)
    #expect(twelve.score == 23)
  }

  @Test func sodiumIsBoundedTo125Through137() throws {
    let at125 = try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 125)
    let below = try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 110)
    #expect(below.sodiumUsed == 125)
    #expect(below.score == at125.score)
    let at137 = try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 137)
    let above = try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 150)
    #expect(at137.score == 20)
    #expect(above.sodiumUsed == 137)
    #expect(above.score == 20)
    #expect(try meldNa(cr: 1.9, bili: 4.2, inr: 1.2, na: 136).score == 21)
  }

  @Test func cappedAtForty() throws {
    #expect(try meldNa(cr: 4, bili: 80, inr: 15, na: 125).score == 40)
    #expect(try meldNa(cr: 4, bili: 30, inr: 3, na: 125).score == 40)
  }

  @Test func fromAMELDAndSodiumIsRequired() throws {
    let m = try meld(cr: 1.2, bili: 2.0, inr: 1.5)
    #expect(try MELDNa(meld: m, sodium: Sodium(135)).score == 17)
    expectRefused("sodium", "MELD-Na needs --sodium") { try MELDNa(meld: m, sodium: nil) }
    expectRefused("creatinine", "--creatinine, --sodium") {
      try MELDNa(bilirubin: Bilirubin(1), creatinine: nil, inr: INR(1), sodium: nil)
    }
    #expect(MELDNa.instrument == "meld_na")
  }
}

@Suite struct MELD3Tests {
  private func meld3(
    sex: Sex = .male, bili: Double, na: Double, inr: Double, cr: Double?, alb: Double,
    dialysis: Bool = false, age: Int? = nil
  ) throws -> MELD3 {
    try MELD3(
      sex: sex, age: age, bilirubin: Bilirubin(bili), sodium: Sodium(na), inr: INR(inr),
      creatinine: cr.map { try Creatinine($0) }, albumin: Albumin(alb), dialysis: dialysis)
  }

  @Test func lowestIsSixAndFemaleAddsOnePointThreeThree() throws {
    let m = try meld3(bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5)
    #expect(m.unrounded == 6)
    #expect(m.score == 6)
    let f = try meld3(sex: .female, bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5)
    #expect(abs(f.unrounded - 7.33) < 1e-12)
    #expect(f.score == 7)
    #expect(f.female)
    // Below-floor inputs are floored; the result stays at the lower bound 6.
    #expect(try meld3(bili: 0.2, na: 150, inr: 0.8, cr: 0.5, alb: 5).score == 6)
  }

  @Test func worked() throws {
    // 4.56·ln 4.2 + 0.82·12 − 0.24·12·ln 4.2 + 9.09·ln 1.2 + 11.14·ln 1.9 + 1.85 − 1.83·ln 1.9 + 6
    let m = try meld3(bili: 4.2, na: 125, inr: 1.2, cr: 1.9, alb: 2.5)
    #expect(abs(m.unrounded - 27.7339) < 1e-4)
    #expect(m.score == 28)
    #expect(try meld3(sex: .female, bili: 4.2, na: 125, inr: 1.2, cr: 1.9, alb: 2.5).score == 29)
  }

  @Test func creatinineCapThreeAndDialysis() throws {
    let three = try meld3(bili: 1.9, na: 130, inr: 1.5, cr: 3.0, alb: 3.0)
    let above = try meld3(bili: 1.9, na: 130, inr: 1.5, cr: 3.5, alb: 3.0)
    let dialysed = try meld3(bili: 1.9, na: 130, inr: 1.5, cr: 1.0, alb: 3.0, dialysis: true)
    let omitted = try meld3(bili: 1.9, na: 130, inr: 1.5, cr: nil, alb: 3.0, dialysis: true)
    #expect(three.score == 29)
    #expect(above.creatinineUsed == 3 && above.score == 29)
    #expect(dialysed.creatinineUsed == 3 && dialysed.score == 29)
    #expect(omitted.score == 29)
  }

  @Test func sodiumAndAlbuminBounds() throws {
    #expect(try meld3(bili: 2, na: 125, inr: 1, cr: 1, alb: 3.5).score == 17)
    let lowNa = try meld3(bili: 2, na: 120, inr: 1, cr: 1, alb: 3.5)
    #expect(lowNa.sodiumUsed == 125 && lowNa.score == 17)
    #expect(try meld3(bili: 2, na: 137, inr: 1, cr: 1, alb: 3.5).score == 9)
    let highNa = try meld3(bili: 2, na: 140, inr: 1, cr: 1, alb: 3.5)
    #expect(highNa.sodiumUsed == 137 && highNa.score == 9)
    #expect(try meld3(bili: 2, na: 137, inr: 1, cr: 2, alb: 1.5).score == 18)
    let lowAlb = try meld3(bili: 2, na: 137, inr: 1, cr: 2, alb: 1.0)
    #expect(lowAlb.albuminUsed == 1.5 && lowAlb.score == 18)
    #expect(try meld3(bili: 2, na: 137, inr: 1, cr: 2, alb: 3.5).score == 17)
    let highAlb = try meld3(bili: 2, na: 137, inr: 1, cr: 2, alb: 4.5)
    #expect(highAlb.albuminUsed == 3.5 && highAlb.score == 17)
  }

  @Test func upperBoundForty() throws {
    let m = try meld3(bili: 80, na: 100, inr: 15, cr: 25, alb: 0.5)
    #expect(m.unrounded > 40)
    #expect(m.score == 40)
  }

  @Test func ageAndMissingInputs() throws {
    // Ages 12–17 get the 1.33 term whatever the sex (OPTN Policy 9.1.D): 7.33 → 7.
    #expect(try meld3(bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5, age: 12).score == 7)
    #expect(try meld3(bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5, age: 18).score == 6)
    expectRefused("age", "MELD 3.0 is used from age 12") {
      try meld3(bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5, age: 11)
    }
    expectRefused("age", "plausible range") {
      try meld3(bili: 1, na: 137, inr: 1, cr: 1, alb: 3.5, age: 140)
    }
    expectRefused("sex", "MELD 3.0 needs --sex, --albumin (missing)") {
      try MELD3(
        sex: nil, bilirubin: Bilirubin(1), sodium: Sodium(137), inr: INR(1),
        creatinine: Creatinine(1), albumin: nil)
    }
    #expect(MELD3.instrument == "meld_3")
  }
}

@Suite struct ChildPughTests {
  private func cp(
    bili: Double = 1, alb: Double = 4, inr: Double = 1, ascites: Ascites = .none,
    enceph: Encephalopathy = .none
  ) throws -> ChildPugh {
    try ChildPugh(
      bilirubin: Bilirubin(bili), albumin: Albumin(alb), inr: INR(inr), ascites: ascites,
      encephalopathy: enceph)
  }

  @Test func bandEdgesBelongToTheTwoPointBand() {
    #expect(ChildPugh.bilirubinPoints(mgPerDL: 1.99) == 1)
    #expect(ChildPugh.bilirubinPoints(mgPerDL: 2.0) == 2)
    #expect(ChildPugh.bilirubinPoints(mgPerDL: 3.0) == 2)
    #expect(ChildPugh.bilirubinPoints(mgPerDL: 3.01) == 3)
    #expect(ChildPugh.albuminPoints(gPerDL: 3.51) == 1)
    #expect(ChildPugh.albuminPoints(gPerDL: 3.5) == 2)
    #expect(ChildPugh.albuminPoints(gPerDL: 2.8) == 2)
    #expect(ChildPugh.albuminPoints(gPerDL: 2.79) == 3)
    #expect(ChildPugh.inrPoints(1.69) == 1)
    #expect(ChildPugh.inrPoints(1.7) == 2)
    #expect(ChildPugh.inrPoints(2.3) == 2)
    #expect(ChildPugh.inrPoints(2.31) == 3)
  }

  @Test func siEdgesConvertExactly() throws {
    let edge = try ChildPugh(
      bilirubin: Bilirubin(parsing: "51.3umol/L"), albumin: Albumin(parsing: "35 g/L"),
      inr: INR(2.3), ascites: Ascites.none, encephalopathy: Encephalopathy.none)
    #expect(edge.bilirubinPoints == 2)
    #expect(edge.albuminPoints == 2)
    let low = try ChildPugh(
      bilirubin: Bilirubin(parsing: "34.2umol/L"), albumin: Albumin(parsing: "28 g/L"),
      inr: INR(1.7), ascites: Ascites.none, encephalopathy: Encephalopathy.none)
    #expect(low.bilirubinPoints == 2)
    #expect(low.albuminPoints == 2)
  }

  @Test func classEdges() throws {
    let five = try cp()
    #expect(five.score == 5 && five.classification == .a)
    let six = try cp(bili: 2.0)
    #expect(six.score == 6 && six.classification == .a)
    let seven = try cp(bili: 2.0, alb: 3.5)
    #expect(seven.score == 7 && seven.classification == .b)
    let nine = try cp(bili: 3.0, alb: 2.8, inr: 2.3, ascites: .mild)
    #expect(nine.score == 9 && nine.classification == .b)
    let ten = try cp(bili: 3.0, alb: 2.8, inr: 2.3, ascites: .mild, enceph: .grade1To2)
    #expect(ten.score == 10 && ten.classification == .c)
    let fifteen = try cp(
      bili: 3.1, alb: 2.7, inr: 2.4, ascites: .moderateSevere, enceph: .grade3To4)
    #expect(fifteen.score == 15 && fifteen.classification == .c)
    #expect(fifteen.parts.map(\.value) == [3, 3, 3, 3, 3])
    #expect(ChildPughClass(points: 6) == .a && ChildPughClass(points: 7) == .b)
    #expect(ChildPughClass(points: 9) == .b && ChildPughClass(points: 10) == .c)
  }

  @Test func codesAndMissingInputs() throws {
    #expect(Ascites.allCases.map(\.rawValue) == ["none", "mild", "moderate_severe"])
    #expect(Encephalopathy.allCases.map(\.rawValue) == ["none", "grade1_2", "grade3_4"])
    #expect(try Ascites.parse("moderate_severe", field: Ascites.field) == .moderateSevere)
    expectRefused("ascites", "accepted: none, mild, moderate_severe") {
      try Ascites.parse("severe", field: Ascites.field)
    }
    expectRefused("encephalopathy", "Child-Pugh needs --encephalopathy (missing)") {
      try ChildPugh(
        bilirubin: Bilirubin(1), albumin: Albumin(4), inr: INR(1), ascites: Ascites.none,
        encephalopathy: nil)
    }
    #expect(ChildPugh.instrument == "child_pugh")
  }
}
