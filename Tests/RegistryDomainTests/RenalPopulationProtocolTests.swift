import RegistryProtocolYAML
import Testing

@testable import RegistryDomain

/// `population: {upcr_min: X}` on a renal-response endpoint (issue 12, KDIGO 2024).
@Suite struct RenalPopulationProtocolTests {
  static func sle(endpoint: String) -> String {
    TrialProtocolTests.sle(
      replacing: "{code: renal_w52, kind: renal_response, visit: week52}", with: endpoint)
  }

  @Test func defaultIsHalfAGramPerGram() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.sle)
    let renal = try #require(p.endpoint(code: "renal_w52"))
    #expect(renal.populationUPCRMin == nil)
    #expect(renal.renalPopulationUPCRMin == 0.5)
  }

  @Test func aProtocolMaySetAnotherThreshold() throws {
    let p = try TrialProtocol(
      yaml: Self.sle(
        endpoint:
          "{code: renal_w52, kind: renal_response, visit: week52, population: {upcr_min: 1}}"
      ))
    #expect(p.endpoint(code: "renal_w52")?.renalPopulationUPCRMin == 1)
    let edge = try TrialProtocol(
      yaml: Self.sle(
        endpoint:
          "{code: renal_w52, kind: renal_response, visit: week52, population: {upcr_min: 30}}"))
    #expect(edge.endpoint(code: "renal_w52")?.populationUPCRMin == 30)
  }

  @Test func badPopulationsAreNamedWithTheirKeyPath() {
    func problems(_ population: String) -> [String] {
      TrialProtocol.problems(
        yaml: Self.sle(
          endpoint:
            "{code: renal_w52, kind: renal_response, visit: week52, population: \(population)}"
        ))
    }
    #expect(
      problems("{upcr_min: 0}") == [
        "endpoints[1].population.upcr_min: must be a UPCR in g/g, > 0 and ≤ 30, got 0"
      ])
    #expect(
      problems("{upcr_min: 30.5}") == [
        "endpoints[1].population.upcr_min: must be a UPCR in g/g, > 0 and ≤ 30, got 30.5"
      ])
    #expect(
      problems("{upcr_min: high}") == [
        "endpoints[1].population.upcr_min: must be a UPCR in g/g, > 0 and ≤ 30, got high"
      ])
    #expect(problems("{}") == ["endpoints[1].population.upcr_min: missing required key"])
    #expect(
      problems("{upcr_min: 1, egfr_min: 30}").first?.hasPrefix(
        "endpoints[1].population.egfr_min: unknown key") == true)
    let onSRI4 = TrialProtocol.problems(
      yaml: TrialProtocolTests.sle(
        replacing: "{code: sri4_w24, kind: sri4, visit: week24}",
        with: "{code: sri4_w24, kind: sri4, visit: week24, population: {upcr_min: 1}}"))
    #expect(onSRI4 == ["endpoints[0].population: not used by sri4 endpoints"])
  }
}
