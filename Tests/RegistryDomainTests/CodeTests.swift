import Testing

@testable import RegistryDomain

@Suite struct SafetyCodeTests {
  @Test func ctcaeGradesOneToFive() throws {
    #expect(CTCAEGrade(0) == nil)
    #expect(CTCAEGrade(6) == nil)
    #expect(CTCAEGrade(1) == .mild)
    #expect(CTCAEGrade(5) == .death)
    #expect(
      CTCAEGrade.allCases.map(\.name) == [
        "mild", "moderate", "severe or medically significant", "life-threatening",
        "death related to the AE",
      ])
    #expect(try CTCAEGrade.parse("3") == .severe)
    #expect(CTCAEGrade.severe < .lifeThreatening)
    expectRefused("grade", "CTCAE grade must be 1–5") { try CTCAEGrade.parse("6") }
    expectRefused("grade", "1–5") { try CTCAEGrade.parse("severe") }
  }

  @Test func seriousnessIsSeparateFromGrade() throws {
    #expect(
      Seriousness.allCases.map(\.rawValue) == [
        "death", "life_threatening", "hospitalisation", "disability", "congenital_anomaly",
        "important_medical_event",
      ])
    #expect(try Seriousness.parse("hospitalisation", field: Seriousness.field) == .hospitalisation)
    expectRefused("serious", "accepted: death, life_threatening") {
      try Seriousness.parse("hospitalization", field: Seriousness.field)
    }
  }

  @Test func relatedness() throws {
    #expect(
      Relatedness.allCases.map(\.rawValue) == [
        "unrelated", "unlikely", "possible", "probable", "definite",
      ])
    #expect(Relatedness.allCases.filter(\.isRelated) == [.possible, .probable, .definite])
    #expect(Relatedness.unlikely < .possible)
    expectRefused("relatedness") { try Relatedness.parse("maybe", field: Relatedness.field) }
  }

  @Test func sex() throws {
    #expect(try Sex.parse("F", field: Sex.field) == .female)
    #expect(try Sex.parse("M", field: Sex.field) == .male)
    expectRefused("sex", "accepted: F, M") { try Sex.parse("X", field: Sex.field) }
  }
}

@Suite struct BILAGTests {
  @Test func nineDomainsAndFiveGrades() {
    #expect(
      BILAGDomain.allCases.map(\.rawValue) == [
        "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
        "cardiorespiratory",
        "gastrointestinal", "ophthalmic", "renal", "hematological",
      ])
    #expect(BILAGGrade.allCases.map(\.rawValue) == ["A", "B", "C", "D", "E"])
    #expect(BILAGGrade.a < .e)
  }

  @Test func parsesDomainGrades() throws {
    let b = try BILAG2004(parsing: "renal=A, mucocutaneous=C")
    #expect(b[.renal] == .a)
    #expect(b[.mucocutaneous] == .c)
    #expect(b[.hematological] == nil)
    #expect(b.description == "mucocutaneous=C,renal=A")
    #expect(try BILAG2004(parsing: b.description) == b)
  }

  @Test(arguments: ["", "renal", "renal=F", "kidney=A", "renal=A,renal=B", "renal=A,", "renal=a"])
  func refusesBadGrades(text: String) {
    expectRefused("bilag") { try BILAG2004(parsing: text) }
  }
}
