import RegistryProtocolYAML
import Testing

@testable import RegistryDomain

/// Issue 12 intake rules in the domain: EULAR/ACR classification as an eligibility rule,
/// MELD 3.0's adolescent term, missing inputs refused, values printed as entered.
@Suite struct EligibilityRulesTests {
  static let sle = try! TrialProtocol(yaml: ProtocolExamples.sle)

  static func sleMeasures(items: String?, titer: String?, sledai: String? = "arthritis,rash,fever")
    throws -> MeasureSet
  {
    try MeasureSet(
      parsing: RawMeasures(sledaiDescriptors: sledai, eularAcrItems: items, anaTiter: titer))
  }

  static func eularFailures(
    _ items: String, titer: String?, in trial: TrialProtocol = sle
  ) throws -> [String] {
    trial.eligibility.failures(
      ageYears: 30, sex: .female, measures: try sleMeasures(items: items, titer: titer),
      hasConsent: true
    ).filter { $0.hasPrefix("eular_acr_2019") }
  }

  @Test func eularEntryCriterionIsANAAtLeast1To80() throws {
    let items = "joint_involvement,anti_dsdna_or_anti_sm"  // 12
    #expect(
      try Self.eularFailures(items, titer: "40") == [
        "eular_acr_2019: entry criterion not met (ANA 1:40 < 1:80)"
      ])
    #expect(
      try Self.eularFailures(items, titer: "79") == [
        "eular_acr_2019: entry criterion not met (ANA 1:79 < 1:80)"
      ])
    #expect(
      try Self.eularFailures(items, titer: "0") == [
        "eular_acr_2019: entry criterion not met (ANA 1:0 < 1:80)"
      ])
    #expect(
      try Self.eularFailures(items, titer: nil) == [
        "eular_acr_2019: entry criterion not met (ANA titer not recorded)"
      ])
    #expect(try Self.eularFailures(items, titer: "80").isEmpty)
    #expect(try Self.eularFailures(items, titer: "1:160").isEmpty)
  }

  @Test func eularNeedsAClinicalCriterion() throws {
    // 4 + 6 = 10 from immunology only.
    #expect(
      try Self.eularFailures("low_c3_and_c4,anti_dsdna_or_anti_sm", titer: "160") == [
        "eular_acr_2019: no clinical criterion"
      ])
    // One clinical item (fever 2) makes it 12.
    #expect(
      try Self.eularFailures("fever,low_c3_and_c4,anti_dsdna_or_anti_sm", titer: "160").isEmpty)
  }

  @Test func eularTotalAgainstTheProtocolMinimumCountsOnlyTheTopItemPerDomain() throws {
    #expect(
      try Self.eularFailures("joint_involvement,fever", titer: "160") == [
        "eular_acr_2019: 8 < 10"
      ])
    #expect(
      try Self.eularFailures("joint_involvement,leukopenia", titer: "160") == [
        "eular_acr_2019: 9 < 10"
      ])
    // Hematologic: thrombocytopenia 4 counts, leukopenia 3 does not: 6 + 4 = 10, not 13.
    let items = "joint_involvement,leukopenia,thrombocytopenia"
    #expect(try Self.eularFailures(items, titer: "160").isEmpty)
    let strict = try TrialProtocol(
      yaml: ProtocolExamples.sle.replacingOccurrences(
        of: "eular_acr_2019: {min: 10}", with: "eular_acr_2019: {min: 11}"))
    #expect(try Self.eularFailures(items, titer: "160", in: strict) == ["eular_acr_2019: 10 < 11"])
  }

  @Test func eligibilityAndTheCalculatorAgreeAtTheThreshold() throws {
    let cases: [(String, String?)] = [
      ("joint_involvement,anti_dsdna_or_anti_sm", "40"),
      ("joint_involvement,anti_dsdna_or_anti_sm", nil),
      ("joint_involvement,anti_dsdna_or_anti_sm", "80"),
      ("low_c3_and_c4,anti_dsdna_or_anti_sm", "160"),
      ("joint_involvement,fever", "160"),
      ("joint_involvement,fever,alopecia", "160"),
      ("joint_involvement,leukopenia,thrombocytopenia", "160"),
      ("", "160"),
    ]
    for (items, titer) in cases {
      let score = try EULARACR2019(parsingItems: items, anaTiter: titer)
      let eligible = try Self.eularFailures(items, titer: titer).isEmpty
      #expect(eligible == score.classified, "\(items) \(titer ?? "-")")
      #expect(
        score.classificationFailure().map { "eular_acr_2019: \($0)" }
          == (try Self.eularFailures(items, titer: titer)).first)
    }
  }

  @Test func aMissingMeasureIsRefusedNamingTheMeasureAndTheCriterion() throws {
    let noSledai = try Self.sleMeasures(
      items: "joint_involvement,anti_dsdna_or_anti_sm", titer: "160", sledai: nil)
    let sledai = try #require(Self.sle.eligibility.missingInput(in: noSledai))
    #expect(sledai.field == "sledai_descriptors")
    #expect(sledai.message.hasPrefix("required by eligibility criterion sledai_2k"))
    #expect(sledai.exitStatus == 65)
    let noItems = try Self.sleMeasures(items: nil, titer: "160")
    #expect(Self.sle.eligibility.missingInput(in: noItems)?.field == "eular_acr_items")
    // The ANA titer is not an input: without it the candidate is a screen failure.
    let noTiter = try Self.sleMeasures(items: "joint_involvement", titer: nil)
    #expect(Self.sle.eligibility.missingInput(in: noTiter) == nil)

    let aclf = try TrialProtocol(yaml: ProtocolExamples.aclf)
    let noINR = try MeasureSet(parsing: RawMeasures(creatinine: "1.2", bilirubin: "4.2"))
    let inr = try #require(aclf.eligibility.missingInput(in: noINR))
    #expect(inr.field == "inr")
    #expect(inr.message.hasPrefix("required by eligibility criterion meld"))
    // Dialysis stands in for creatinine in MELD, not for the creatinine criterion itself.
    let dialysed = try MeasureSet(
      parsing: RawMeasures(bilirubin: "4.2", inr: "2.1", dialysis: true))
    let creatinine = try #require(aclf.eligibility.missingInput(in: dialysed))
    #expect(creatinine.field == "creatinine")
    #expect(creatinine.message.hasPrefix("required by eligibility criterion creatinine"))
    let complete = try MeasureSet(
      parsing: RawMeasures(creatinine: "1.2", bilirubin: "4.2", inr: "2.1"))
    #expect(aclf.eligibility.missingInput(in: complete) == nil)
  }

  static func meld3Protocol(min: Int) throws -> TrialProtocol {
    try TrialProtocol(
      yaml: ProtocolExamples.aclf
        .replacingOccurrences(
          of: "age_years: {min: 18, max: 70}", with: "age_years: {min: 0, max: 70}"
        )
        .replacingOccurrences(of: "meld: {min: 17, max: 30}", with: "meld_3: {min: \(min)}")
        .replacingOccurrences(of: "  inr: {min: 1.5}\n", with: "")
        .replacingOccurrences(of: "  creatinine: {max: 3}\n", with: ""))
  }

  /// REFERENCE.md: 15-year-old male, bilirubin 12, sodium 120, INR 0.9, creatinine 4.5,
  /// albumin 3.5 → 34; an adult male 32.
  static let reference = RawMeasures(
    creatinine: "4.5", bilirubin: "12", inr: "0.9", sodium: "120", albumin: "3.5")

  @Test func meld3AdolescentTermAppliesFrom12Through17() throws {
    let m = try MeasureSet(parsing: Self.reference)
    #expect(try m.meld3Score(sex: .male, age: 15).score == 34)
    #expect(try m.meld3Score(sex: .male, age: 12).score == 34)
    #expect(try m.meld3Score(sex: .male, age: 17).score == 34)
    #expect(try m.meld3Score(sex: .male, age: 18).score == 32)
    #expect(try m.meld3Score(sex: .male, age: nil).score == 32)
    #expect(try m.meld3Score(sex: .female, age: 18).score == 34)
    #expect(try m.meld3Score(sex: .female, age: 15).score == 34)  // the term once, not twice
    let error = #expect(throws: RegistryError.self) { try m.meld3Score(sex: .male, age: 11) }
    #expect(error?.field == "age")
    let parts = try m.meld3Score(sex: .male, age: 17).parts
    #expect(parts.contains(ScorePart("age_12_17", 1)))
  }

  @Test func meld3EligibilityUsesTheAgeAtEnrollment() throws {
    let trial = try Self.meld3Protocol(min: 33)
    let m = try MeasureSet(parsing: Self.reference)
    func failures(_ age: Int, _ sex: Sex) -> [String] {
      trial.eligibility.failures(ageYears: age, sex: sex, measures: m, hasConsent: true)
    }
    #expect(failures(12, .male).isEmpty)
    #expect(failures(15, .male).isEmpty)
    #expect(failures(17, .male).isEmpty)
    #expect(failures(18, .male) == ["meld_3: 32 is outside ≥ 33"])
    #expect(failures(18, .female).isEmpty)
    #expect(
      failures(11, .male) == [
        "meld_3: not applicable at age 11 (MELD 3.0 is used from age 12; PELD applies below)"
      ])
  }

  @Test func labRefusalsPrintTheValueAsEnteredWithItsUnit() throws {
    let trial = try TrialProtocol(
      yaml: ProtocolExamples.aclf.replacingOccurrences(
        of: "  creatinine: {max: 3}\n", with: "  bilirubin: {min: 5}\n"))
    func failure(_ bilirubin: String) throws -> [String] {
      let m = try MeasureSet(
        parsing: RawMeasures(creatinine: "1.9", bilirubin: bilirubin, inr: "2.1"))
      return trial.eligibility.failures(ageYears: 40, sex: .male, measures: m, hasConsent: true)
        .filter { $0.hasPrefix("bilirubin") }
    }
    #expect(try failure("85umol/L") == ["bilirubin: 85 µmol/L (4.97 mg/dL) is outside ≥ 5 mg/dL"])
    #expect(
      try failure("85.3umol/L") == ["bilirubin: 85.3 µmol/L (4.99 mg/dL) is outside ≥ 5 mg/dL"])
    // Two decimals would show 5.00: more are shown rather than a value equal to the limit.
    #expect(
      try failure("85.49umol/L") == [
        "bilirubin: 85.49 µmol/L (4.999 mg/dL) is outside ≥ 5 mg/dL"
      ])
    #expect(try failure("85.5umol/L").isEmpty)  // exactly 5 mg/dL: the edge is inside
    #expect(try failure("4.90") == ["bilirubin: 4.90 mg/dL is outside ≥ 5 mg/dL"])
    #expect(try failure("5").isEmpty)
  }

  @Test func sodiumAcceptsMilliequivalentsPerLitre() throws {
    let na = try Sodium(parsing: "125mEq/L")
    #expect(na.canonical == 125)
    #expect(na.enteredUnit == .milliequivalentsPerLiter)
    #expect(try Sodium(parsing: "125 meq/l").canonical == 125)
    #expect(na.description == "125 mEq/L (125 mmol/L)")
    let low = #expect(throws: RegistryError.self) { try Sodium(parsing: "99mEq/L") }
    #expect(low?.field == "sodium")
    #expect(low?.message.contains("99 mEq/L") == true)
    let other = #expect(throws: RegistryError.self) { try Bilirubin(parsing: "5mEq/L") }
    #expect(other?.message.contains("not accepted") == true)
  }

  @Test func negativeAndNonNumericMeasuresAreRefusedNamingTheField() throws {
    let negative = #expect(throws: RegistryError.self) {
      try MeasureSet(parsing: RawMeasures(creatinine: "-0.5"))
    }
    #expect(negative?.field == "creatinine")
    #expect(negative?.exitStatus == 65)
    #expect(negative?.message.contains("-0.5 mg/dL") == true)
    let text = #expect(throws: RegistryError.self) {
      try MeasureSet(parsing: RawMeasures(sodium: "abc"))
    }
    #expect(text?.field == "sodium")
    #expect(text?.exitStatus == 65)
    #expect(try MeasureSet(parsing: RawMeasures(creatinine: "0.5")).creatinine?.canonical == 0.5)
  }
}
