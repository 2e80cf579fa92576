import Testing

@testable import RegistryDomain

@Suite struct SLEDAI2KTests {
  @Test func codesAreExactlyThoseOfSPEC() {
    let spec = """
      seizure psychosis organic_brain_syndrome visual_disturbance cranial_nerve_disorder \
      lupus_headache cva vasculitis arthritis myositis urinary_casts hematuria proteinuria pyuria \
      rash alopecia mucosal_ulcers pleurisy pericarditis low_complement increased_dna_binding \
      fever thrombocytopenia leukopenia
      """.split(separator: " ").map(String.init)
    #expect(SLEDAIDescriptor.allCases.map(\.rawValue) == spec)
    #expect(spec.count == 24)
  }

  @Test func weightsOfReference() {
    let byWeight = Dictionary(grouping: SLEDAIDescriptor.allCases, by: \.weight)
    #expect(byWeight[8]?.count == 8)
    #expect(byWeight[4]?.count == 6)
    #expect(byWeight[2]?.count == 7)
    #expect(byWeight[1]?.count == 3)
    #expect(SLEDAIDescriptor.cva.weight == 8)
    #expect(SLEDAIDescriptor.increasedDNABinding.weight == 2)
    #expect(SLEDAIDescriptor.leukopenia.weight == 1)
    #expect(SLEDAI2K(SLEDAIDescriptor.allCases).score == 105)
  }

  @Test func scoreIsTheSumOfItsParts() throws {
    let s = try SLEDAI2K(parsing: "seizure, rash,fever,proteinuria")
    #expect(s.score == 8 + 2 + 1 + 4)
    #expect(s.descriptors == [.seizure, .proteinuria, .rash, .fever])
    #expect(s.parts.map(\.name) == ["seizure", "proteinuria", "rash", "fever"])
    #expect(s.parts.map(\.value).reduce(0, +) == 15)
    #expect(try SLEDAI2K(parsing: "").score == 0)
    #expect(try SLEDAI2K(parsing: "rash,rash").score == 2)
    #expect(SLEDAI2K.instrument == "sledai_2k")
  }

  @Test func unknownDescriptorIsRefused() {
    expectRefused(
      "sledai_descriptors", "unknown SLEDAI-2K descriptor 'rashes'; accepted: seizure"
    ) {
      try SLEDAI2K(parsing: "rash,rashes")
    }
    expectRefused("sledai_descriptors", "empty") { try SLEDAI2K(parsing: "rash,,fever") }
  }
}

@Suite struct EULARACR2019Tests {
  @Test func codesAreExactlyThoseOfSPEC() {
    let spec = """
      fever leukopenia thrombocytopenia autoimmune_hemolysis delirium psychosis seizure alopecia \
      oral_ulcers subacute_cutaneous_or_discoid_lupus acute_cutaneous_lupus \
      pleural_or_pericardial_effusion acute_pericarditis joint_involvement proteinuria \
      lupus_nephritis_class_2_or_5 lupus_nephritis_class_3_or_4 antiphospholipid_antibodies \
      low_c3_or_c4 low_c3_and_c4 anti_dsdna_or_anti_sm
      """.split(separator: " ").map(String.init)
    #expect(EULARACRItem.allCases.map(\.rawValue) == spec)
  }

  @Test func weightsAndDomainsOfReference() {
    let w: [EULARACRItem: Int] = [
      .fever: 2, .leukopenia: 3, .thrombocytopenia: 4, .autoimmuneHemolysis: 4, .delirium: 2,
      .psychosis: 3, .seizure: 5, .alopecia: 2, .oralUlcers: 2, .subacuteCutaneousOrDiscoidLupus: 4,
      .acuteCutaneousLupus: 6, .pleuralOrPericardialEffusion: 5, .acutePericarditis: 6,
      .jointInvolvement: 6, .proteinuria: 4, .lupusNephritisClass2Or5: 8,
      .lupusNephritisClass3Or4: 10, .antiphospholipidAntibodies: 2, .lowC3OrC4: 3,
      .lowC3AndC4: 4, .antiDsDNAOrAntiSm: 6,
    ]
    for item in EULARACRItem.allCases { #expect(item.weight == w[item], "\(item)") }
    #expect(EULARACRItem.allCases.filter { !$0.isClinical }.count == 4)
    #expect(EULARACR2019.maximumTotal == 2 + 4 + 5 + 6 + 6 + 6 + 10 + 2 + 4 + 6)
  }

  @Test func onlyTheHighestItemPerDomainCounts() throws {
    let r = try EULARACR2019(
      items: [.alopecia, .acuteCutaneousLupus, .oralUlcers, .antiDsDNAOrAntiSm], anaTiter: 160)
    #expect(r.counted == [.acuteCutaneousLupus, .antiDsDNAOrAntiSm])
    #expect(r.total == 12)
    #expect(r.entryCriterionMet)
    #expect(r.hasClinicalCriterion)
    #expect(r.classified)
    let complement = try EULARACR2019(items: [.lowC3OrC4, .lowC3AndC4], anaTiter: 80)
    #expect(complement.counted == [.lowC3AndC4])
    #expect(complement.total == 4)
    // Ties list the first item in SPEC order; the total is the same.
    let tie = try EULARACR2019(items: [.autoimmuneHemolysis, .thrombocytopenia], anaTiter: 80)
    #expect(tie.counted == [.thrombocytopenia])
    #expect(tie.total == 4)
  }

  @Test func immunologyDomainsAreSeparate() throws {
    let r = try EULARACR2019(
      items: [.antiphospholipidAntibodies, .lowC3AndC4, .antiDsDNAOrAntiSm], anaTiter: 320)
    #expect(r.total == 12)
    #expect(!r.hasClinicalCriterion)
    #expect(!r.classified)
  }

  @Test func entryCriterionIsANAOneTo80() throws {
    let items: [EULARACRItem] = [.lupusNephritisClass3Or4]
    #expect(try EULARACR2019(items: items, anaTiter: 80).classified)
    #expect(try EULARACR2019(items: items, anaTiter: 80).entryCriterionMet)
    let low = try EULARACR2019(items: items, anaTiter: 40)
    #expect(!low.entryCriterionMet)
    #expect(low.total == 10)
    #expect(!low.classified)
    let missing = try EULARACR2019(items: items, anaTiter: nil)
    #expect(!missing.entryCriterionMet)
    #expect(!missing.classified)
  }

  @Test func thresholdIsTen() throws {
    #expect(try EULARACR2019(items: [.lupusNephritisClass3Or4], anaTiter: 160).classified)
    let nine = try EULARACR2019(items: [.seizure, .thrombocytopenia], anaTiter: 160)
    #expect(nine.total == 9)
    #expect(!nine.classified)
    #expect(EULARACR2019.instrument == "eular_acr_2019")
  }

  @Test func parsing() throws {
    let r = try EULARACR2019(parsingItems: "joint_involvement,low_c3_or_c4", anaTiter: "1:160")
    #expect(r.anaTiter == 160)
    #expect(r.total == 9)
    #expect(try EULARACR2019.parseANATiter("640") == 640)
    expectRefused("ana_titer", "not an ANA titer") { try EULARACR2019.parseANATiter("-5") }
    expectRefused("ana_titer", "not an ANA titer") { try EULARACR2019.parseANATiter("high") }
    expectRefused("ana_titer", "outside") { try EULARACR2019(items: [], anaTiter: -1) }
    expectRefused("eular_acr_items", "unknown EULAR/ACR item 'rash'") {
      try EULARACR2019(parsingItems: "fever,rash", anaTiter: nil)
    }
    let parts = r.parts.map(\.name)
    #expect(
      parts == [
        "joint_involvement", "low_c3_or_c4", "ana_titer", "entry_criterion", "clinical_criterion",
        "classified",
      ])
  }
}
