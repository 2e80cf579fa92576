/// Protocol files used by the tests.
enum ProtocolExamples {
  /// SPEC §3, verbatim.
  static let sle = """
    code: SLE-UCMSC              # unique; study IDs are <study_id_prefix>-<SITE>-<NNNN>
    version: 1
    title: Umbilical-cord MSC in refractory SLE
    condition: sle               # sle | liver_failure
    study_id_prefix: SLE
    arms:                        # one arm: single-arm trial, no randomization
      - {code: msc, ratio: 1, receives_msc: true}
      - {code: control, ratio: 1, receives_msc: false}
    randomization: {block_sizes: [4], stratify_by: [site], seed: 20261120}
    eligibility:                 # every criterion is checked at enrollment; each failure is named
      age_years: {min: 18, max: 65}
      sledai_2k: {min: 8}        # liver protocols: meld / meld_na / meld_3 / child_pugh / bilirubin ...
      eular_acr_2019: {min: 10}
      require_consent: true
    treatment:
      allowed_sources: [umbilical_cord]
      product: cells
      dose_per_kg: {min: 0.5e6, max: 2.0e6}
      max_infusions: 2
      min_days_between_infusions: 7
      release: {min_viability_pct: 70, max_passage: 5, isct_markers: true}
    visits:                      # day 0 = enrollment date; window = [days before, days after]
      - {code: baseline, day: 0, window: [-14, 0]}
      - {code: week4, day: 28, window: [-7, 7]}
      - {code: week12, day: 84, window: [-7, 7]}
      - {code: week24, day: 168, window: [-14, 14]}
      - {code: week52, day: 364, window: [-28, 28]}
    endpoints:
      - {code: sri4_w24, kind: sri4, visit: week24}
      - {code: renal_w52, kind: renal_response, visit: week52}
      - {code: sledai_w24, kind: change, measure: sledai_2k, visit: week24}
      - {code: survival, kind: survival, events: [death], horizons_days: [168, 364]}
    """

  /// An ACLF protocol in block style: MELD 17–30, MSC against standard medical therapy,
  /// transplant-free survival at 24 and 48 weeks.
  static let aclf = """
    code: ACLF-BMMSC
    version: 2
    title: Bone-marrow MSC in HBV-related acute-on-chronic liver failure
    condition: liver_failure
    study_id_prefix: ACLF
    arms:
      - code: msc
        ratio: 1
        receives_msc: true
      - code: smt
        ratio: 1
        receives_msc: false
    randomization:
      block_sizes: [2, 4, 6]
      stratify_by: [site]
      seed: 17
    eligibility:
      age_years: {min: 18, max: 70}
      meld: {min: 17, max: 30}
      inr: {min: 1.5}
      creatinine: {max: 3}
    treatment:
      allowed_sources: [bone_marrow, umbilical_cord]
      product: cells
      dose_per_kg: {min: 0.5e6, max: 1.0e6}
      max_infusions: 4
      min_days_between_infusions: 7
      release: {min_viability_pct: 85, max_passage: 4, isct_markers: true}
    visits:
      - {code: baseline, day: 0, window: [-3, 0]}
      - {code: week4, day: 28, window: [-3, 3]}
      - {code: week24, day: 168, window: [-14, 14]}
      - {code: week48, day: 336, window: [-14, 14]}
    endpoints:
      - {code: tfs, kind: survival, events: [death, liver_transplant], horizons_days: [168, 336]}
      - {code: meld_w4, kind: change, measure: meld, visit: week4}
    """
}
