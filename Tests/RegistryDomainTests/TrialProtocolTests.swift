import RegistryProtocolYAML
import Testing

@testable import RegistryDomain

@Suite struct TrialProtocolTests {
  @Test func specSLEProtocolDecodes() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.sle)
    #expect(p.code == "SLE-UCMSC" && p.version == 1 && p.condition == .sle)
    #expect(p.title == "Umbilical-cord MSC in refractory SLE")
    #expect(p.studyIDPrefix == "SLE")
    #expect(
      p.arms == [
        ProtocolArm(code: "msc", ratio: 1, receivesMSC: true),
        ProtocolArm(code: "control", ratio: 1, receivesMSC: false),
      ])
    #expect(
      p.randomization == Randomization(blockSizes: [4], stratifyBy: [.site], seed: 20_261_120))
    #expect(p.eligibility.ageYears == Bounds(min: 18, max: 65))
    #expect(p.eligibilityMeasures == [.sledai2K, .eularACR2019])
    #expect(p.eligibility.criteria[0].bounds == Bounds(min: 8.0, max: nil))
    #expect(p.eligibility.requireConsent)
    #expect(p.treatment.allowedSources == [.umbilicalCord] && p.treatment.product == .cells)
    #expect(p.treatment.dosePerKg == Bounds(min: 500_000.0, max: 2_000_000.0))
    #expect(p.treatment.maxInfusions == 2 && p.treatment.minDaysBetweenInfusions == 7)
    #expect(
      p.treatment.release == ReleaseCriteria(minViabilityPct: 70, maxPassage: 5, isctMarkers: true))
    #expect(p.visits.map(\.code) == ["baseline", "week4", "week12", "week24", "week52"])
    #expect(p.visit(code: "week24")?.window == VisitWindow(day: 168, before: -14, after: 14))
    #expect(p.baselineVisit?.code == "baseline")
    #expect(p.endpoints.map(\.kind) == [.sri4, .renalResponse, .change, .survival])
    #expect(p.endpoint(code: "sledai_w24")?.measure == .sledai2K)
    #expect(p.endpoint(code: "survival")?.events == [.death])
    #expect(p.endpoint(code: "survival")?.horizonsDays == [168, 364])
    #expect(p.arm(code: "control")?.receivesMSC == false)
    #expect(p.arm(code: "nope") == nil && p.visit(code: "week99") == nil)
    #expect(p.isRandomized)
  }

  @Test func aclfProtocolDecodes() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.aclf)
    #expect(p.condition == .liverFailure && p.version == 2)
    #expect(p.eligibilityMeasures == [.meld, .inr, .creatinine])
    #expect(p.eligibility.criteria[0].bounds == Bounds(min: 17.0, max: 30.0))
    #expect(p.eligibility.requireConsent)  // default
    #expect(p.randomization?.blockSizes == [2, 4, 6])
    let tfs = try #require(p.endpoint(code: "tfs"))
    #expect(tfs.kind == .survival && tfs.events == [.death, .liverTransplant])
    #expect(tfs.horizonsDays == [168, 336] && tfs.visit == nil)
    #expect(p.randomization?.stratumKey(siteCode: "PAN") == "PAN")
  }

  @Test func visitWindowDates() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.sle)
    let week4 = try #require(p.visit(code: "week4")).window
    let enrolled = try #require(CalendarDate(iso: "2026-03-01"))
    #expect(week4.earliest(enrolledOn: enrolled).description == "2026-03-22")
    #expect(week4.latest(enrolledOn: enrolled).description == "2026-04-05")
    #expect(week4.contains(try #require(CalendarDate(iso: "2026-03-22")), enrolledOn: enrolled))
    #expect(week4.contains(try #require(CalendarDate(iso: "2026-04-05")), enrolledOn: enrolled))
    #expect(!week4.contains(try #require(CalendarDate(iso: "2026-04-06")), enrolledOn: enrolled))
    #expect(!week4.contains(try #require(CalendarDate(iso: "2026-03-21")), enrolledOn: enrolled))
    let baseline = try #require(p.baselineVisit).window
    #expect(baseline.earliest(enrolledOn: enrolled).description == "2026-02-15")
    #expect(baseline.latest(enrolledOn: enrolled) == enrolled)
    #expect(baseline.contains(trialDay: -14) && !baseline.contains(trialDay: 1))
  }

  @Test func eligibilityFailuresAreNamed() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.aclf)
    let good = try MeasureSet(
      parsing: RawMeasures(creatinine: "1.9", bilirubin: "4.2", inr: "2.1"))
    #expect(
      p.eligibility.failures(ageYears: 40, sex: .male, measures: good, hasConsent: true).isEmpty)
    let bad = try MeasureSet(
      parsing: RawMeasures(creatinine: "309.4umol/L", bilirubin: "4.2", inr: "1.20"))
    let failures = p.eligibility.failures(
      ageYears: 75, sex: .male, measures: bad, hasConsent: false)
    #expect(
      failures == [
        "consent: not recorded", "age_years: 75 is outside 18–70",
        "inr: 1.20 is outside ≥ 1.5", "creatinine: 309.4 µmol/L (3.5 mg/dL) is outside ≤ 3 mg/dL",
      ])
  }

  // MARK: - Invalid files

  static func problems(_ yaml: String) -> [String] { TrialProtocol.problems(yaml: yaml) }

  /// Replaces the first occurrence of `old` in the SPEC protocol.
  static func sle(replacing old: String, with new: String) -> String {
    let text = ProtocolExamples.sle
    guard let range = text.range(of: old) else { fatalError("no \(old) in the example") }
    return text.replacingCharacters(in: range, with: new)
  }

  @Test func validExamplesHaveNoProblems() {
    #expect(Self.problems(ProtocolExamples.sle).isEmpty)
    #expect(Self.problems(ProtocolExamples.aclf).isEmpty)
  }

  @Test func collectsEveryProblemWithItsKeyPath() {
    let yaml = """
      code: BAD
      version: 0
      title: Broken
      condition: liver_failure
      study_id_prefix: bad-prefix
      colour: blue
      arms:
        - {code: msc, ratio: 1, receives_msc: false}
        - {code: msc, ratio: 0, receives_msc: false}
      randomization: {block_sizes: [3], stratify_by: [site, age], seed: 1}
      eligibility:
        age_years: {min: 18, max: 65}
        sledai_2k: {min: 12, max: 8}
        meld: {min: 30, max: 17}
        require_consent: maybe
      treatment:
        allowed_sources: [umbilical_cord, moon]
        product: cells
        dose_per_kg: {min: 0.5e6}
        max_infusions: 2
        release: {min_viability_pct: 170, max_passage: 5, isct_markers: true, extra: 1}
      visits:
        - {code: baseline, day: 0, window: [-14, 0]}
        - {code: week4, day: 28, window: [-7, 7]}
        - {code: week12, day: 84, window: [3, 7]}
        - {code: week4, day: 30, window: [-7, 7]}
      endpoints:
        - {code: a, kind: change, measure: foo, visit: week99}
        - {code: b, kind: sri4, visit: week4}
        - {code: c, kind: survival, events: [death, lost_to_follow_up], horizons_days: [336, 168]}
        - {code: c, kind: change, measure: sledai_2k, visit: baseline}
      """
    let problems = Self.problems(yaml)
    let expected = [
      "colour: unknown key",
      "version: must be an integer ≥ 1, got 0",
      "study_id_prefix: must be 2–10 upper-case letters",
      "arms[1].code: duplicate arm code msc",
      "arms[1].ratio: must be a positive integer, got 0",
      "randomization.stratify_by[1]: unknown stratification factor age",
      "eligibility.sledai_2k: sledai_2k is an sle measure, condition is liver_failure",
      "eligibility.sledai_2k: min 12 > max 8",
      "eligibility.meld: min 30 > max 17",
      "eligibility.require_consent: must be true or false, got maybe",
      "treatment.allowed_sources[1]: unknown tissue source moon",
      "treatment.dose_per_kg.max: missing required key",
      "treatment.release.extra: unknown key",
      "treatment.release.min_viability_pct: must be a percentage 0–100, got 170",
      "visits[2].window: [3, 7] does not allow day 84 itself",
      "visits[3].code: duplicate visit code week4",
      "endpoints[0].visit: unknown visit week99",
      "endpoints[0].measure: unknown measure foo",
      "endpoints[1]: sri4 is an SLE endpoint, condition is liver_failure",
      "endpoints[2].events[1]: lost_to_follow_up is a censoring, not an event",
      "endpoints[2].horizons_days[1]: 168 does not follow 336",
      "endpoints[3].code: duplicate endpoint code c",
      "endpoints[3].visit: baseline is the baseline visit",
      "endpoints[3].measure: sledai_2k is an sle measure, condition is liver_failure",
      "arms: no arm receives MSC",
    ]
    for prefix in expected {
      #expect(problems.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in \(problems)")
    }
    #expect(problems.count == expected.count, "\(problems.joined(separator: "\n"))")
  }

  @Test func initThrowsTheSameProblems() {
    let yaml = Self.sle(
      replacing: "ratio: 1, receives_msc: false", with: "ratio: 0, receives_msc: false")
    #expect(throws: ProtocolValidationError.self) { try TrialProtocol(yaml: yaml) }
    do {
      _ = try TrialProtocol(yaml: yaml)
    } catch {
      #expect(error.problems == ["arms[1].ratio: must be a positive integer, got 0"])
      #expect(error.registryError.kind == .refused && error.registryError.details == error.problems)
    }
  }

  @Test func missingKeysAndWrongTypes() {
    let yaml = """
      code: X1
      version: "1"
      condition: [sle]
      study_id_prefix: SLE
      arms: {code: msc}
      eligibility: {}
      treatment: {}
      visits: []
      endpoints:
        - {code: 1, kind: change, visit: week4}
      """
    let problems = Self.problems(yaml)
    for prefix in [
      "version: must be an integer ≥ 1, got 1",
      "condition: must be a string, got a list",
      "title: missing required key",
      "arms: must be a list, got a mapping",
      "treatment.allowed_sources: missing required key",
      "treatment.product: missing required key",
      "treatment.dose_per_kg: missing required key",
      "treatment.max_infusions: missing required key",
      "treatment.release: missing required key",
      "visits: must not be empty",
      "endpoints[0].code: must be a string, got an integer (1)",
      "endpoints[0].measure: missing required key for change endpoints",
    ] {
      #expect(problems.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in \(problems)")
    }
  }

  @Test func crossConditionAndKindRules() {
    let liverMeasure = Self.sle(replacing: "eular_acr_2019: {min: 10}", with: "meld: {min: 10}")
    #expect(
      Self.problems(liverMeasure) == [
        "eligibility.meld: meld is a liver_failure measure, condition is sle"
      ])
    let extraKey = Self.sle(
      replacing: "{code: sri4_w24, kind: sri4, visit: week24}",
      with: "{code: sri4_w24, kind: sri4, visit: week24, horizons_days: [1]}")
    #expect(Self.problems(extraKey) == ["endpoints[0].horizons_days: not used by sri4 endpoints"])
    let noRandomization = Self.sle(
      replacing: "randomization: {block_sizes: [4], stratify_by: [site], seed: 20261120}\n",
      with: "")
    #expect(
      Self.problems(noRandomization) == [
        "randomization: missing required key (the protocol has 2 arms)"
      ])
    let badBlock = Self.sle(replacing: "block_sizes: [4]", with: "block_sizes: [4, 5, -2]")
    #expect(
      Self.problems(badBlock) == [
        "randomization.block_sizes[1]: 5 is not a multiple of the arms' ratio sum 2",
        "randomization.block_sizes[2]: must be a positive integer, got -2",
      ])
    let creatinineOK = Self.sle(
      replacing: "eular_acr_2019: {min: 10}", with: "creatinine: {max: 2.5}")
    #expect(Self.problems(creatinineOK).isEmpty)
    let emptyBounds = Self.sle(replacing: "eular_acr_2019: {min: 10}", with: "eular_acr_2019: {}")
    #expect(Self.problems(emptyBounds) == ["eligibility.eular_acr_2019: needs min, max or both"])
  }

  @Test func singleArmNeedsNoRandomization() throws {
    var yaml = Self.sle(replacing: "  - {code: control, ratio: 1, receives_msc: false}\n", with: "")
    yaml = yaml.replacingOccurrences(
      of: "randomization: {block_sizes: [4], stratify_by: [site], seed: 20261120}\n", with: "")
    let p = try TrialProtocol(yaml: yaml)
    #expect(!p.isRandomized && p.randomization == nil)
    #expect(p.randomizer.arm(stratum: "PAN", index: 5).code == "msc")
  }

  @Test func yamlSyntaxAndShapeErrors() {
    #expect(Self.problems("") == ["protocol: the file is empty"])
    #expect(Self.problems("- a\n- b\n") == ["protocol: must be a mapping of keys, got a list"])
    let broken = Self.problems("code: [unclosed\nversion: 1\n")
    #expect(broken.count == 1 && broken[0].hasPrefix("yaml: line "))
    let duplicate = Self.problems(ProtocolExamples.sle + "\nversion: 2\n")
    #expect(duplicate.count == 1 && duplicate[0].contains("duplicate key version"))
  }
}
