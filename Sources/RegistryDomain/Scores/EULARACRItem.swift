/// A domain of the 2019 EULAR/ACR SLE classification (Aringer et al., Ann Rheum Dis 2019).
///
/// Seven clinical and three immunology domains. REFERENCE.md lists the immunology items under
/// one heading; the published criteria put them in three domains (antiphospholipid
/// antibodies, complement proteins, SLE-specific antibodies), and so does the registry: the
/// "highest-weighted item per domain" rule applies within each of the three.
public enum EULARACRDomain: String, ClinicalCode, CustomStringConvertible {
  case constitutional, hematologic, neuropsychiatric, mucocutaneous, serosal, musculoskeletal,
    renal
  case antiphospholipidAntibodies = "antiphospholipid_antibodies"
  case complementProteins = "complement_proteins"
  case sleSpecificAntibodies = "sle_specific_antibodies"

  public static let codeName = "EULAR/ACR domain"

  /// True for the seven clinical domains, false for the three immunology domains.
  public var isClinical: Bool {
    switch self {
    case .antiphospholipidAntibodies, .complementProteins, .sleSpecificAntibodies: false
    default: true
    }
  }

  /// The highest weight of any item in the domain.
  public var maximumWeight: Int {
    EULARACRItem.allCases.filter { $0.domain == self }.map(\.weight).max() ?? 0
  }

  /// The code.
  public var description: String { rawValue }
}

/// An item of the 2019 EULAR/ACR SLE classification with its domain and weight
/// (Aringer et al., Ann Rheum Dis 2019; weights from REFERENCE.md; codes SPEC §7).
public enum EULARACRItem: String, ClinicalCode, CustomStringConvertible {
  case fever, leukopenia, thrombocytopenia
  case autoimmuneHemolysis = "autoimmune_hemolysis"
  case delirium, psychosis, seizure, alopecia
  case oralUlcers = "oral_ulcers"
  case subacuteCutaneousOrDiscoidLupus = "subacute_cutaneous_or_discoid_lupus"
  case acuteCutaneousLupus = "acute_cutaneous_lupus"
  case pleuralOrPericardialEffusion = "pleural_or_pericardial_effusion"
  case acutePericarditis = "acute_pericarditis"
  case jointInvolvement = "joint_involvement"
  case proteinuria
  case lupusNephritisClass2Or5 = "lupus_nephritis_class_2_or_5"
  case lupusNephritisClass3Or4 = "lupus_nephritis_class_3_or_4"
  case antiphospholipidAntibodies = "antiphospholipid_antibodies"
  case lowC3OrC4 = "low_c3_or_c4"
  case lowC3AndC4 = "low_c3_and_c4"
  case antiDsDNAOrAntiSm = "anti_dsdna_or_anti_sm"

  public static let codeName = "EULAR/ACR item"

  /// The domain the item belongs to.
  public var domain: EULARACRDomain {
    switch self {
    case .fever: .constitutional
    case .leukopenia, .thrombocytopenia, .autoimmuneHemolysis: .hematologic
    case .delirium, .psychosis, .seizure: .neuropsychiatric
    case .alopecia, .oralUlcers, .subacuteCutaneousOrDiscoidLupus, .acuteCutaneousLupus:
      .mucocutaneous
    case .pleuralOrPericardialEffusion, .acutePericarditis: .serosal
    case .jointInvolvement: .musculoskeletal
    case .proteinuria, .lupusNephritisClass2Or5, .lupusNephritisClass3Or4: .renal
    case .antiphospholipidAntibodies: .antiphospholipidAntibodies
    case .lowC3OrC4, .lowC3AndC4: .complementProteins
    case .antiDsDNAOrAntiSm: .sleSpecificAntibodies
    }
  }

  /// The weight of REFERENCE.md (2–10).
  public var weight: Int {
    switch self {
    case .fever: 2
    case .leukopenia: 3
    case .thrombocytopenia, .autoimmuneHemolysis: 4
    case .delirium: 2
    case .psychosis: 3
    case .seizure: 5
    case .alopecia, .oralUlcers: 2
    case .subacuteCutaneousOrDiscoidLupus: 4
    case .acuteCutaneousLupus: 6
    case .pleuralOrPericardialEffusion: 5
    case .acutePericarditis: 6
    case .jointInvolvement: 6
    case .proteinuria: 4
    case .lupusNephritisClass2Or5: 8
    case .lupusNephritisClass3Or4: 10
    case .antiphospholipidAntibodies: 2
    case .lowC3OrC4: 3
    case .lowC3AndC4: 4
    case .antiDsDNAOrAntiSm: 6
    }
  }

  /// True for items of a clinical domain, false for immunologic ones.
  public var isClinical: Bool { domain.isClinical }

  /// The code (SPEC §7).
  public var description: String { rawValue }
}
