import Foundation
import Testing

@testable import RegistryDomain

/// The liver labs of REFERENCE.md's first MELD example (with sodium 125 and albumin 2.8).
private let liverRaw = RawMeasures(
  creatinine: "1.9", bilirubin: "4.2", inr: "1.2", sodium: "125", albumin: "2.8",
  ascites: "mild", encephalopathy: "none")

@Suite struct RawMeasuresTests {
  @Test func emptyUntilSomethingIsGiven() {
    #expect(RawMeasures().isEmpty)
    #expect(!RawMeasures(dialysis: true).isEmpty)
    #expect(!RawMeasures(inr: "1.2").isEmpty)
    #expect(!RawMeasures(sledaiDescriptors: "").isEmpty)
  }
}

@Suite struct MeasureSetParsingTests {
  @Test func parsesEveryOptionIntoItsType() throws {
    let raw = RawMeasures(
      sledaiDescriptors: "arthritis,rash", eularAcrItems: "joint_involvement,anti_dsdna_or_anti_sm",
      anaTiter: "1:160", pga: "1.5", bilag: "renal=A,mucocutaneous=C", upcr: "45mg/mmol",
      creatinine: "167.96umol/L", c3: "0.9g/L", c4: "12", antiDsdna: "120",
      bilirubin: "71.82umol/L", inr: "1.2", sodium: "125", albumin: "28g/L", ascites: "mild",
      encephalopathy: "grade1_2", dialysis: true)
    let m = try MeasureSet(parsing: raw)
    #expect(m.sledai2k?.score == 6)
    #expect(m.eularAcr2019?.score == 12)
    #expect(m.eularAcr2019?.classified == true)
    #expect(m.anaTiter == 160)
    #expect(m.pga?.value == 1.5)
    #expect(m.bilag?[.renal] == .a)
    #expect(m.upcr?.canonical == 0.45)
    #expect(m.creatinine?.canonical == 1.9)
    #expect(m.creatinine?.enteredUnit == .micromolesPerLiter)
    #expect(m.c3?.canonical == 90)
    #expect(m.c4?.canonical == 12)
    #expect(m.antiDsDNA?.canonical == 120)
    #expect(m.bilirubin?.canonical == 4.2)
    #expect(m.bilirubin?.entered == 71.82)
    #expect(m.inr?.canonical == 1.2)
    #expect(m.sodium?.canonical == 125)
    #expect(m.albumin?.canonical == 2.8)
    #expect(m.dialysis)
    #expect(m.ascites == .mild)
    #expect(m.encephalopathy == .grade1To2)
    #expect(!m.isEmpty)
  }

  @Test func nothingGivenIsNothingMeasured() throws {
    let m = try MeasureSet(parsing: RawMeasures())
    #expect(m.isEmpty)
    #expect(m == MeasureSet())
    #expect(m.derivedScores(sex: .female, age: 40) == DerivedScores())
  }

  @Test func anaTiterIsKeptWithoutItems() throws {
    let m = try MeasureSet(parsing: RawMeasures(anaTiter: "320"))
    #expect(m.anaTiter == 320)
    #expect(m.eularAcr2019 == nil)
  }

  @Test func eachRefusalNamesItsOption() {
    let cases: [(RawMeasures, String, String)] = [
      (RawMeasures(sledaiDescriptors: "rash,headache"), "sledai_descriptors", "headache"),
      (RawMeasures(eularAcrItems: "fever,sneezing"), "eular_acr_items", "sneezing"),
      (RawMeasures(eularAcrItems: "fever", anaTiter: "many"), "ana_titer", "many"),
      (RawMeasures(anaTiter: "-5"), "ana_titer", "-5"),
      (RawMeasures(pga: "4"), "pga", "outside"),
      (RawMeasures(bilag: "renal=F"), "bilag", "F"),
      (RawMeasures(upcr: "99"), "upcr", "plausible"),
      (RawMeasures(creatinine: "1.9mmol/L"), "creatinine", "not accepted"),
      (RawMeasures(c3: "abc"), "c3", "abc"),
      (RawMeasures(c4: "-1"), "c4", "negative"),
      (RawMeasures(antiDsdna: "20000"), "anti_dsdna", "plausible"),
      (RawMeasures(bilirubin: "4.2furlongs"), "bilirubin", "unknown unit"),
      (RawMeasures(inr: "20"), "inr", "0.5–15"),
      (RawMeasures(sodium: "90"), "sodium", "100–180"),
      (RawMeasures(albumin: ""), "albumin", "not a number"),
      (RawMeasures(ascites: "lots"), "ascites", "lots"),
      (RawMeasures(encephalopathy: "grade5"), "encephalopathy", "grade5"),
    ]
    for (raw, option, fragment) in cases {
      expectRefused(option, fragment) { try MeasureSet(parsing: raw) }
    }
  }

  @Test func theFirstRefusalInTableOrderIsThrown() {
    let raw = RawMeasures(pga: "9", inr: "20", ascites: "lots")
    expectRefused("pga") { try MeasureSet(parsing: raw) }
  }
}

@Suite struct DerivedScoresTests {
  @Test func everyScoreWithAllItsInputs() throws {
    var raw = liverRaw
    raw.sledaiDescriptors = "seizure,proteinuria"
    raw.eularAcrItems = "fever,low_c3_and_c4"
    raw.anaTiter = "160"
    let d = try MeasureSet(parsing: raw).derivedScores(sex: .female, age: 54)
    #expect(d.sledai2k == 12)
    #expect(d.eularAcr2019 == 6)
    #expect(d.eularAcrClassified == false)
    #expect(d.meld == 20)
    #expect(d.meldNa == 28)
    #expect(d.meld3 == 29)
    #expect(d.childPugh == 3 + 2 + 1 + 2 + 1)
    #expect(d.childPughClass == .b)
    #expect(d.engineVersion == ScoreEngine.version)
    #expect(!d.isEmpty)
  }

  @Test func referenceExamples() throws {
    let first = try MeasureSet(
      parsing: RawMeasures(creatinine: "1.9", bilirubin: "4.2", inr: "1.2", sodium: "125"))
    #expect(first.derivedScores(sex: nil, age: nil).meld == 20)
    #expect(first.derivedScores(sex: nil, age: nil).meldNa == 28)
    let second = try MeasureSet(
      parsing: RawMeasures(creatinine: "1.2", bilirubin: "2.0", inr: "1.5", sodium: "135"))
    #expect(second.derivedScores(sex: nil, age: nil).meld == 15)
    #expect(second.derivedScores(sex: nil, age: nil).meldNa == 17)
  }

  @Test func missingInputsLeaveScoresOutAndNeverThrow() throws {
    let m = try MeasureSet(parsing: RawMeasures(bilirubin: "4.2", inr: "1.2"))
    let d = m.derivedScores(sex: .male, age: 40)
    #expect(d.isEmpty)
    #expect(d.meld == nil && d.meldNa == nil && d.meld3 == nil && d.childPugh == nil)
    #expect(d.childPughClass == nil && d.sledai2k == nil && d.eularAcrClassified == nil)
  }

  @Test func dialysisStandsInForCreatinine() throws {
    let m = try MeasureSet(
      parsing: RawMeasures(bilirubin: "4.2", inr: "1.2", sodium: "137", dialysis: true))
    let d = m.derivedScores(sex: nil, age: nil)
    #expect(d.meld == 27)
    #expect(d.meldNa == 27)
  }

  @Test func meld3NeedsSexAndAnAgeOfTwelveOrMore() throws {
    let m = try MeasureSet(parsing: liverRaw)
    #expect(m.derivedScores(sex: nil, age: 54).meld3 == nil)
    #expect(m.derivedScores(sex: .female, age: nil).meld3 == 29)
    #expect(m.derivedScores(sex: .female, age: 12).meld3 == 29)
    #expect(m.derivedScores(sex: .female, age: 11).meld3 == nil)
    #expect(m.derivedScores(sex: .female, age: 200).meld3 == nil)
    #expect(m.derivedScores(sex: .male, age: nil).meld3 == 28)
    // The other scores do not depend on sex or age.
    #expect(m.derivedScores(sex: nil, age: 5).meld == 20)
  }

  @Test func encodesSnakeCaseKeysAndLeavesOutMissingScores() throws {
    let m = try MeasureSet(parsing: liverRaw)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = String(
      decoding: try encoder.encode(m.derivedScores(sex: .female, age: nil)), as: UTF8.self)
    #expect(
      json == """
        {"child_pugh":9,"child_pugh_class":"B","engine_version":"\(ScoreEngine.version)",\
        "meld":20,"meld_3":29,"meld_na":28}
        """)
    let back = try JSONDecoder().decode(DerivedScores.self, from: Data(json.utf8))
    #expect(back == m.derivedScores(sex: .female, age: nil))
  }
}

@Suite struct MeasureScoresTests {
  @Test func demandedScoresRefuseNamingTheMissingOption() throws {
    let empty = MeasureSet()
    expectRefused("sledai_descriptors", "missing") { try empty.sledai2kScore() }
    expectRefused("eular_acr_items", "missing") { try empty.eularAcr2019Score() }
    expectRefused("bilirubin", "--creatinine, --inr") { try empty.meldScore() }
    expectRefused("sodium") {
      try MeasureSet(parsing: RawMeasures(creatinine: "1", bilirubin: "1", inr: "1"))
        .meldNaScore()
    }
    expectRefused("sex") { try MeasureSet(parsing: liverRaw).meld3Score(sex: nil, age: nil) }
    expectRefused("age", "12") {
      try MeasureSet(parsing: liverRaw).meld3Score(sex: .male, age: 10)
    }
    expectRefused("encephalopathy") {
      try MeasureSet(
        parsing: RawMeasures(bilirubin: "1", inr: "1", albumin: "4", ascites: "none")
      ).childPughScore()
    }
  }

  @Test func anEmptyDescriptorListScoresZero() throws {
    #expect(try MeasureSet(parsing: RawMeasures(sledaiDescriptors: "")).sledai2kScore().score == 0)
  }

  @Test func siInputGivesTheSameScoresAsConventional() throws {
    let si = try MeasureSet(
      parsing: RawMeasures(
        creatinine: "167.96umol/L", bilirubin: "71.82umol/L", inr: "1.2", sodium: "125",
        albumin: "28g/L"))
    let conventional = try MeasureSet(parsing: liverRaw)
    #expect(try si.meldScore() == conventional.meldScore())
    #expect(si.bilirubin?.canonical == 4.2)
    #expect(
      si.derivedScores(sex: .female, age: 60).meld3
        == conventional.derivedScores(sex: .female, age: 60).meld3)
  }

  @Test func valueOfEachMeasureCode() throws {
    var raw = liverRaw
    raw.sledaiDescriptors = "arthritis"
    raw.eularAcrItems = "joint_involvement,anti_dsdna_or_anti_sm"
    raw.anaTiter = "160"
    raw.pga = "1.5"
    raw.upcr = "45mg/mmol"
    raw.c3 = "0.9g/L"
    raw.c4 = "8"
    raw.antiDsdna = "200"
    raw.creatinine = "167.96umol/L"
    let m = try MeasureSet(parsing: raw)
    let expected: [String: Double] = [
      "sledai_2k": 4, "eular_acr_2019": 12, "pga": 1.5, "meld": 20, "meld_na": 28, "meld_3": 29,
      "child_pugh": 9, "bilirubin": 4.2, "creatinine": 1.9, "inr": 1.2, "sodium": 125,
      "albumin": 2.8, "upcr": 0.45, "c3": 90, "c4": 8, "anti_dsdna": 200,
    ]
    for (code, value) in expected {
      #expect(m.value(ofMeasure: code, sex: .female, age: 54) == value, "\(code)")
    }
    #expect(m.value(ofMeasure: "meld_3", sex: nil, age: 54) == nil)
    #expect(m.value(ofMeasure: "heart_rate", sex: .female, age: 54) == nil)
    #expect(MeasureSet().value(ofMeasure: "meld", sex: nil, age: nil) == nil)
    #expect(MeasureSet().value(ofMeasure: "bilirubin", sex: nil, age: nil) == nil)
  }

  @Test func creatinineIsTheMeasuredValueNotTheDialysisStandIn() throws {
    let m = try MeasureSet(parsing: RawMeasures(bilirubin: "1", inr: "1", dialysis: true))
    #expect(m.value(ofMeasure: "creatinine", sex: nil, age: nil) == nil)
    #expect(m.value(ofMeasure: "meld", sex: nil, age: nil) == 20)
  }

  @Test func ageParsing() throws {
    #expect(try MeasureSet.parseAge(nil) == nil)
    #expect(try MeasureSet.parseAge(" 54 ") == 54)
    expectRefused("age") { try MeasureSet.parseAge("54.5") }
    expectRefused("age") { try MeasureSet.parseAge("131") }
    expectRefused("age") { try MeasureSet.parseAge("") }
  }

  @Test func everyScoreIsCited() {
    let scores: [any CitedScore.Type] = [
      SLEDAI2K.self, EULARACR2019.self, MELD.self, MELDNa.self, MELD3.self, ChildPugh.self,
    ]
    for score in scores {
      #expect(!score.title.isEmpty && !score.source.isEmpty)
    }
    #expect(ScorePart("x", 16.650000000000002).reportedValue == 16.65)
    #expect(ScorePart("x", 2.00391626).formattedValue == "2.003916")
  }
}
