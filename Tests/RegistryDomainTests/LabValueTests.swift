import Testing

@testable import RegistryDomain

@Suite struct LabValueTests {
  @Test func bareNumberIsTheConventionalUnit() throws {
    let b = try Bilirubin(parsing: "1.2")
    #expect(b.entered == 1.2)
    #expect(b.enteredUnit == .milligramsPerDeciliter)
    #expect(b.canonical == 1.2)
    #expect(try INR(parsing: "1.2").enteredUnit == LabUnit.none)
    #expect(try Sodium(parsing: "135").canonical == 135)
    #expect(try Albumin(parsing: "3.1").canonical == 3.1)
    #expect(try UPCR(parsing: "0.45").canonical == 0.45)
  }

  @Test(arguments: ["85umol/L", "85 µmol/L", "85 μmol/L", "85µmol/l", " 85 UMOL/L ", "85mcmol/L"])
  func bilirubinSIIsDividedBy17_1(text: String) throws {
    let b = try Bilirubin(parsing: text)
    #expect(b.entered == 85)
    #expect(b.enteredUnit == .micromolesPerLiter)
    #expect(abs(b.canonical - 85 / 17.1) < 1e-9)
    #expect(b.canonical > 4.9707 && b.canonical < 4.9708)
  }

  @Test func conversionsOfSPEC() throws {
    #expect(try Creatinine(parsing: "88.4umol/L").canonical == 1.0)
    #expect(try Creatinine(parsing: "176.8 µmol/L").canonical == 2.0)
    #expect(try Albumin(parsing: "31g/L").canonical == 3.1)
    #expect(try Albumin(parsing: "3.1g/dL").canonical == 3.1)
    #expect(try Bilirubin(parsing: "34.2umol/L").canonical == 2.0)
    #expect(try Bilirubin(parsing: "51.3umol/L").canonical == 3.0)
    #expect(try Bilirubin(4.2, unit: .milligramsPerDeciliter).canonical == 4.2)
  }

  @Test func upcrMilligramsPerMillimoleIsDividedBy100() throws {
    let u = try UPCR(parsing: "45mg/mmol")
    #expect(u.canonical == 0.45)
    #expect(u.entered == 45)
    #expect(u.enteredUnit == .milligramsPerMillimole)
    // REFERENCE.md: UPCR 0.5 g/g = 50 mg/mmol.
    #expect(try UPCR(parsing: "50 mg/mmol").canonical == 0.5)
    #expect(try UPCR(parsing: "500 mg/g").canonical == 0.5)
    #expect(try UPCR(parsing: "0.5 g/g").canonical == 0.5)
  }

  @Test func complementInGramsPerLiter() throws {
    #expect(try C3(parsing: "0.9 g/L").canonical == 90)
    #expect(try C4(parsing: "12").canonical == 12)
    #expect(try AntiDsDNA(parsing: "250 IU/mL").canonical == 250)
  }

  @Test func enteredValueIsKeptBesideCanonical() throws {
    let b = try Bilirubin(parsing: "85 µmol/L")
    #expect(b.description == "85 µmol/L (4.9708 mg/dL)")
    #expect(try Bilirubin(parsing: "4.2").description == "4.2 mg/dL")
    #expect(try INR(parsing: "1.2").description == "1.2")
    let reading = b.reading
    #expect(reading.analyte == .bilirubin)
    #expect(Bilirubin(reading) == b)
    #expect(Creatinine(reading) == nil)
  }

  @Test func plausibleRangeEdgesAreAccepted() throws {
    for analyte in Analyte.allCases {
      let range = analyte.plausibleRange
      #expect(try LabReading(analyte, entered: range.lowerBound).canonical == range.lowerBound)
      #expect(try LabReading(analyte, entered: range.upperBound).canonical == range.upperBound)
    }
    #expect(try INR(0.5).canonical == 0.5)
    #expect(try INR(15).canonical == 15)
    #expect(try Sodium(100).canonical == 100)
    #expect(try Sodium(180).canonical == 180)
    #expect(try Bilirubin(0.1).canonical == 0.1)
    #expect(try Bilirubin(80).canonical == 80)
  }

  @Test func outOfRangeIsRefusedWithTheRange() {
    expectRefused("bilirubin", "bilirubin 95 mg/dL is outside the plausible range 0.1–80 mg/dL") {
      try Bilirubin(parsing: "95")
    }
    expectRefused(
      "bilirubin", "bilirubin 1710 µmol/L (100 mg/dL) is outside the plausible range 0.1–80 mg/dL"
    ) {
      try Bilirubin(parsing: "1710umol/L")
    }
    expectRefused("bilirubin", "0.1–80 mg/dL") { try Bilirubin(0.09) }
    expectRefused("inr", "INR 15.1 is outside the plausible range 0.5–15") { try INR(15.1) }
    expectRefused("inr", "0.5–15") { try INR(0.49) }
    expectRefused("sodium", "sodium 99 mmol/L is outside the plausible range 100–180 mmol/L") {
      try Sodium(99)
    }
    expectRefused("sodium", "100–180") { try Sodium(181) }
    expectRefused("creatinine", "0.1–25 mg/dL") { try Creatinine(26) }
    expectRefused("albumin", "0.5–7 g/dL") { try Albumin(parsing: "80 g/L") }
    expectRefused("upcr", "0–30 g/g") { try UPCR(31) }
    expectRefused("c3", "0–500 mg/dL") { try C3(501) }
    expectRefused("c4", "0–200 mg/dL") { try C4(201) }
    expectRefused("anti_dsdna", "0–10000 IU/mL") { try AntiDsDNA(10_001) }
  }

  @Test func nonFiniteAndNegativeAreRefused() {
    expectRefused("bilirubin", "finite") { try Bilirubin(.nan) }
    expectRefused("bilirubin", "finite") { try Bilirubin(.infinity) }
    expectRefused("creatinine", "finite") { try Creatinine(parsing: "1e400") }
    expectRefused("bilirubin", "must not be negative") { try Bilirubin(-1) }
    expectRefused("upcr", "must not be negative") { try UPCR(parsing: "-0.5") }
    expectRefused("pga", "finite") { try PhysicianGlobalAssessment(.nan) }
  }

  @Test func unknownUnitsNameTheAcceptedOnes() {
    expectRefused(
      "bilirubin", "unknown unit 'furlongs' for bilirubin; accepted units: mg/dL, µmol/L"
    ) {
      try Bilirubin(parsing: "85 furlongs")
    }
    expectRefused(
      "bilirubin", "unit mmol/L is not accepted for bilirubin; accepted units: mg/dL, µmol/L"
    ) {
      try Bilirubin(parsing: "85 mmol/L")
    }
    expectRefused("inr", "accepted units: no unit") { try INR(parsing: "1.2 mg/dL") }
    expectRefused("upcr", "g/g, mg/mmol, mg/g") { try UPCR(parsing: "45 mmol/mg") }
    expectRefused("albumin", "g/dL, g/L") { try Albumin(3.1, unit: .micromolesPerLiter) }
  }

  @Test(arguments: ["", "abc", "nan", "inf", "4,2", "1.2.3", "umol/L", "."])
  func textThatIsNotANumberIsRefused(text: String) {
    expectRefused("bilirubin") { try Bilirubin(parsing: text) }
  }

  @Test func physicianGlobalAssessmentIsZeroToThree() throws {
    #expect(try PhysicianGlobalAssessment(parsing: "0").value == 0)
    #expect(try PhysicianGlobalAssessment(parsing: "3").value == 3)
    #expect(try PhysicianGlobalAssessment(parsing: "1.5").description == "1.5")
    expectRefused("pga", "outside the scale 0–3") { try PhysicianGlobalAssessment(3.1) }
    expectRefused("pga", "outside the scale 0–3") { try PhysicianGlobalAssessment(-0.1) }
    expectRefused("pga", "not a number") { try PhysicianGlobalAssessment(parsing: "1.5 cm") }
  }

  @Test func unitTextMatching() {
    #expect(LabUnit(text: "MG/DL") == .milligramsPerDeciliter)
    #expect(LabUnit(text: "g / L") == .gramsPerLiter)
    #expect(LabUnit(text: "iu/ml") == .internationalUnitsPerMilliliter)
    #expect(LabUnit(text: "mmol") == nil)
  }
}
