import ArgumentParser

/// `mscreg score`: the bedside calculator (SPEC §5); no database is needed.
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "Compute a clinical score from measures at the bedside (no database).",
    discussion: """
      Each instrument takes the measure options of `patient enroll` and `assess` (same spellings, \
      units and plausible ranges) and prints the score, its parts and its source. A bare number is \
      in the conventional unit (bilirubin and creatinine mg/dL, albumin g/dL); SI values need \
      their unit (85umol/L, 31g/L). A missing input or an implausible value is refused with exit \
      status 65, naming the option. No database is needed.

      Examples:
        mscreg score sledai2k --sledai-descriptors arthritis,rash,low_complement
        mscreg score eular-acr --ana-titer 160 \\
          --eular-acr-items joint_involvement,anti_dsdna_or_anti_sm
        mscreg score meld --bilirubin 4.2 --creatinine 1.9 --inr 1.2
        mscreg score meld-na --bilirubin 4.2 --creatinine 1.9 --inr 1.2 \\
          --sodium 125
        mscreg score meld3 --sex F --age 54 --bilirubin 4.2 --creatinine 1.9 \\
          --inr 1.2 --sodium 125 --albumin 2.8
        mscreg score child-pugh --bilirubin 2.5 --albumin 3.0 --inr 1.5 \\
          --ascites mild --encephalopathy none --format json
      """,
    subcommands: [
      ScoreSLEDAI2K.self, ScoreEULARACR.self, ScoreMELD.self, ScoreMELDNa.self, ScoreMELD3.self,
      ScoreChildPugh.self,
    ]
  )
}
