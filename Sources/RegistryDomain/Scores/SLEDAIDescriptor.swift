/// A SLEDAI-2K descriptor with its weight (Gladman et al., J Rheumatol 2002;29:288; codes SPEC §7).
///
/// A descriptor counts when present at the visit or in the 10 days before. Weights: 8 for the
/// neurological and vasculitis items, 4 renal/musculoskeletal, 2 mucocutaneous, serosal and
/// immunological, 1 for fever and cytopenias. The 24 weights sum to 105.
public enum SLEDAIDescriptor: String, ClinicalCode, CustomStringConvertible {
  case seizure, psychosis
  case organicBrainSyndrome = "organic_brain_syndrome"
  case visualDisturbance = "visual_disturbance"
  case cranialNerveDisorder = "cranial_nerve_disorder"
  case lupusHeadache = "lupus_headache"
  /// Cerebrovascular accident.
  case cva
  case vasculitis, arthritis, myositis
  case urinaryCasts = "urinary_casts"
  case hematuria, proteinuria, pyuria, rash, alopecia
  case mucosalUlcers = "mucosal_ulcers"
  case pleurisy, pericarditis
  case lowComplement = "low_complement"
  case increasedDNABinding = "increased_dna_binding"
  case fever, thrombocytopenia, leukopenia

  public static let codeName = "SLEDAI-2K descriptor"

  /// The weight of REFERENCE.md: 8, 4, 2 or 1.
  public var weight: Int {
    switch self {
    case .seizure, .psychosis, .organicBrainSyndrome, .visualDisturbance, .cranialNerveDisorder,
      .lupusHeadache, .cva, .vasculitis:
      8
    case .arthritis, .myositis, .urinaryCasts, .hematuria, .proteinuria, .pyuria: 4
    case .rash, .alopecia, .mucosalUlcers, .pleurisy, .pericarditis, .lowComplement,
      .increasedDNABinding:
      2
    case .fever, .thrombocytopenia, .leukopenia: 1
    }
  }

  /// The code (SPEC §7).
  public var description: String { rawValue }
}
