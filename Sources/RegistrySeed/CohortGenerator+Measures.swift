import Foundation
import RegistryDomain

/// Clinically plausible measures that drift with a treatment effect, scored by the engine.
extension CohortGenerator {
  /// The assessments of a patient, one per visit attended, by date; the baseline one meets
  /// the protocol's eligibility criteria. Scores are `MeasureSet.derivedScores(sex:age:)`.
  public func assessments(of p: SyntheticPatient) -> [SyntheticAssessment] {
    var r = SeedRandom(seed: seed, index: p.index, stream: 2)
    switch trial.condition {
    case .sle: return sleAssessments(of: p, rng: &r)
    case .liverFailure: return liverAssessments(of: p, rng: &r)
    }
  }

  /// Failed criteria of a candidate screened on `date` who is not enrolled (never empty).
  func screenFailureCriteria(on date: CalendarDate, rng r: inout SeedRandom) -> [String] {
    let sex: Sex = r.chance(effects.femaleShare) ? .female : .male
    let bounds = trial.eligibility.ageYears
    var kind = r.weighted([0.55, 0.2, 0.1, 0.15])  // measure, age, consent, age and measure
    if bounds == nil && (kind == 1 || kind == 3) { kind = 0 }
    var age = min(max(Int((effects.ageMean + effects.ageSD * r.normal()).rounded()), 18), 85)
    if let bounds, kind == 1 || kind == 3 {
      if let low = bounds.min, r.chance(0.5) || bounds.max == nil {
        age = max(low - r.int(1...4), 14)
      } else if let high = bounds.max {
        age = high + r.int(1...8)
      }
    } else if let bounds {
      age = min(max(age, bounds.min ?? age), bounds.max ?? age)
    }
    let birth = Self.birthDate(age: age, on: date, offset: r.int(0...364))
    let wantsMeasureFailure = kind == 0 || kind == 3
    var failures: [String] = []
    for _ in 0..<30 {
      let measures: MeasureSet
      switch trial.condition {
      case .sle:
        let (present, items, titer) = sleBaseline(
          &r, intensity: wantsMeasureFailure ? 0.35 : 1, serology: wantsMeasureFailure ? 0.5 : 1)
        measures = sleMeasures(
          present: present, items: items, titer: titer, upcr: 0.3, creatinine: 0.8, pga: 1.2,
          bilag: false, rng: &r)
      case .liverFailure:
        let z = wantsMeasureFailure ? (r.chance(0.6) ? -2.6 : 2.0) + 0.3 * r.normal() : r.normal()
        measures = liverBaseline(z: z, rng: &r)
      }
      failures = failedCriteria(
        measures: measures, sex: sex, birth: birth, on: date, consent: kind != 2)
      let measureFailed = failures.contains {
        !$0.hasPrefix("age_years") && !$0.hasPrefix("consent")
      }
      if !wantsMeasureFailure || measureFailed { break }
    }
    if failures.isEmpty {
      failures = failedCriteria(
        measures: MeasureSet(), sex: sex, birth: birth, on: date, consent: false
      ).filter { $0.hasPrefix("consent") }
    }
    return failures.isEmpty ? ["consent: not recorded"] : failures
  }

  /// The criteria enrollment would refuse (the service's own check).
  func failedCriteria(
    measures: MeasureSet, sex: Sex, birth: CalendarDate, on date: CalendarDate, consent: Bool
  ) -> [String] {
    EnrollmentRequest(
      protocolCode: trial.code, site: sites[0],
      identity: PatientIdentity(
        mrn: "SYN", givenName: "S", familyName: "S", birthDate: birth, contact: nil),
      sex: sex, consent: consent ? Consent(version: "1.0", signedOn: date) : nil,
      enrolledOn: date, measures: measures
    ).screeningFailures(of: trial)
  }

  /// An eligible baseline: draws until enrollment would accept it (at most 200 tries).
  func eligibleBaseline(
    of p: SyntheticPatient, _ draw: (inout SeedRandom, Int) -> MeasureSet,
    rng r: inout SeedRandom
  ) -> MeasureSet {
    var measures = draw(&r, 0)
    var attempt = 1
    while attempt < 200
      && !failedCriteria(
        measures: measures, sex: p.sex, birth: p.identity.birthDate, on: p.enrolledOn,
        consent: true
      ).isEmpty
    {
      measures = draw(&r, attempt)
      attempt += 1
    }
    return measures
  }

  static func lab<K: AnalyteKind>(_ value: Double, _ places: Int) -> LabValue<K>? {
    try? LabValue<K>(rounded(clamped(value, K.analyte.plausibleRange), places))
  }

  // MARK: SLE

  /// SLEDAI-2K descriptors and how often each is present at entry in refractory SLE.
  static let sleDescriptorRates: [(SLEDAIDescriptor, Double)] = [
    (.arthritis, 0.55), (.rash, 0.45), (.alopecia, 0.3), (.mucosalUlcers, 0.25),
    (.proteinuria, 0.5), (.hematuria, 0.3), (.urinaryCasts, 0.15), (.pyuria, 0.15),
    (.lowComplement, 0.6), (.increasedDNABinding, 0.65), (.fever, 0.12),
    (.thrombocytopenia, 0.1), (.leukopenia, 0.15), (.pleurisy, 0.08), (.pericarditis, 0.05),
    (.vasculitis, 0.05), (.myositis, 0.03), (.lupusHeadache, 0.02), (.seizure, 0.01),
  ]
  /// Descriptors a flare brings back.
  static let sleFlares: [SLEDAIDescriptor] = [
    .arthritis, .rash, .alopecia, .mucosalUlcers, .lowComplement, .increasedDNABinding,
    .hematuria, .leukopenia,
  ]

  /// Descriptors present at screening and the EULAR/ACR items and ANA titer they imply.
  func sleBaseline(_ r: inout SeedRandom, intensity: Double, serology: Double)
    -> (Set<SLEDAIDescriptor>, [EULARACRItem], Int)
  {
    var present = Set<SLEDAIDescriptor>()
    for (d, rate) in Self.sleDescriptorRates {
      let p = d == .lowComplement || d == .increasedDNABinding ? rate * serology : rate * intensity
      if r.chance(p) { present.insert(d) }
    }
    var items: [EULARACRItem] = []
    let map: [(SLEDAIDescriptor, EULARACRItem)] = [
      (.arthritis, .jointInvolvement), (.rash, .acuteCutaneousLupus), (.alopecia, .alopecia),
      (.mucosalUlcers, .oralUlcers), (.fever, .fever), (.thrombocytopenia, .thrombocytopenia),
      (.leukopenia, .leukopenia), (.pleurisy, .pleuralOrPericardialEffusion),
      (.pericarditis, .acutePericarditis), (.seizure, .seizure),
    ]
    for (d, item) in map where present.contains(d) { items.append(item) }
    if present.contains(.proteinuria) {
      let u = r.uniform()
      items.append(
        u < 0.5 ? .lupusNephritisClass3Or4 : u < 0.7 ? .lupusNephritisClass2Or5 : .proteinuria)
    }
    if present.contains(.lowComplement) {
      items.append(r.chance(0.6) ? .lowC3AndC4 : .lowC3OrC4)
    }
    if present.contains(.increasedDNABinding) || r.chance(0.5 * serology) {
      items.append(.antiDsDNAOrAntiSm)
    }
    if r.chance(0.2) { items.append(.antiphospholipidAntibodies) }
    let titer = r.pick([160, 320, 640, 1280])
    return (present, items, titer)
  }

  /// Measures consistent with the descriptors present (complement, anti-dsDNA, UPCR).
  func sleMeasures(
    present: Set<SLEDAIDescriptor>, items: [EULARACRItem]?, titer: Int?, upcr: Double,
    creatinine: Double, pga: Double, bilag: Bool, rng r: inout SeedRandom
  ) -> MeasureSet {
    let low = present.contains(.lowComplement)
    let dna = present.contains(.increasedDNABinding)
    let sledai = SLEDAI2K(present)
    let grades: BILAG2004? = bilag ? Self.bilag(present, upcr: upcr) : nil
    return MeasureSet(
      sledai2k: sledai,
      eularAcr2019: items.flatMap { try? EULARACR2019(items: $0, anaTiter: titer) },
      anaTiter: titer,
      pga: try? PhysicianGlobalAssessment(rounded(clamped(pga, 0...3), 1)),
      bilag: grades,
      upcr: Self.lab(upcr, 2),
      creatinine: Self.lab(creatinine, 2),
      c3: Self.lab(low ? r.uniform(45...85) : r.uniform(92...150), 0),
      c4: Self.lab(low ? r.uniform(4...9) : r.uniform(12...35), 0),
      antiDsDNA: Self.lab(dna ? exp(r.uniform(log(40)...log(400))) : r.uniform(3...25), 0))
  }

  /// BILAG-2004 grades in line with the descriptors (the registry records grades only).
  static func bilag(_ d: Set<SLEDAIDescriptor>, upcr: Double) -> BILAG2004 {
    func any(_ items: [SLEDAIDescriptor]) -> Bool { items.contains(where: d.contains) }
    return BILAG2004([
      .constitutional: d.contains(.fever) ? .c : .e,
      .mucocutaneous: any([.rash, .mucosalUlcers]) ? .b : d.contains(.alopecia) ? .c : .d,
      .neuropsychiatric: any([.seizure, .psychosis, .lupusHeadache, .organicBrainSyndrome])
        ? .a : .e,
      .musculoskeletal: any([.arthritis, .myositis]) ? .b : .d,
      .cardiorespiratory: any([.pleurisy, .pericarditis]) ? .b : .e,
      .gastrointestinal: .e,
      .ophthalmic: .e,
      .renal: upcr > 2 ? .a : upcr > 0.5 ? .b : .d,
      .hematological: any([.thrombocytopenia, .leukopenia]) ? .c : .e,
    ])
  }

  func sleAssessments(of p: SyntheticPatient, rng r: inout SeedRandom) -> [SyntheticAssessment] {
    var present = Set<SLEDAIDescriptor>()
    var upcr0 = 0.2
    var creatinine0 = 0.8
    var pga0 = 1.5
    let withBILAG = r.chance(0.35)
    let baseline = eligibleBaseline(
      of: p,
      { r, _ in
        let (d, items, titer) = sleBaseline(&r, intensity: 1, serology: 1)
        present = d
        let renal = d.contains(.proteinuria)
        upcr0 =
          renal
          ? clamped(exp(log(2.0) + 0.5 * r.normal()), 0.6...8)
          : clamped(exp(log(0.2) + 0.4 * r.normal()), 0.05...0.45)
        creatinine0 =
          renal
          ? clamped(0.9 + 0.25 * r.normal(), 0.5...2.5)
          : clamped(0.75 + 0.12 * r.normal(), 0.45...1.2)
        pga0 = clamped(0.8 + 0.09 * Double(SLEDAI2K(d).score) + 0.3 * r.normal(), 0.5...3)
        return sleMeasures(
          present: d, items: items, titer: titer, upcr: upcr0, creatinine: creatinine0, pga: pga0,
          bilag: withBILAG, rng: &r)
      }, rng: &r)
    let sledai0 = Double(baseline.sledai2k?.score ?? 0)
    let renal = present.contains(.proteinuria)
    let msc = p.arm.receivesMSC
    let responsiveness = exp(0.4 * r.normal())
    var resolveDraw: [SLEDAIDescriptor: Double] = [:]
    for d in SLEDAIDescriptor.allCases where present.contains(d) { resolveDraw[d] = r.uniform() }
    let renalCeiling = msc ? 0.75 : 0.45
    return assessments(of: p, baseline: baseline) { t in
      let f = msc ? 0.40 * (1 - exp(-t / 60)) : 0.22 * (1 - exp(-t / 80))
      var now = present.filter { (resolveDraw[$0] ?? 1) * responsiveness >= f }
      if r.chance(0.06) { now.insert(r.pick(Self.sleFlares)) }
      let reduction = clamped(renalCeiling * (1 - exp(-t / 90)) / responsiveness, 0...0.95)
      let upcr =
        renal
        ? clamped(upcr0 * (1 - reduction) * exp(0.15 * r.normal()), 0.05...12)
        : clamped(upcr0 * exp(0.2 * r.normal()), 0.03...0.48)
      if upcr > 0.5 { now.insert(.proteinuria) } else { now.remove(.proteinuria) }
      let creatinine = creatinine0 * exp(0.06 * r.normal()) * (r.chance(0.04) ? 1.25 : 1)
      let pga = pga0 * (Double(SLEDAI2K(now).score) + 1) / (sledai0 + 1) + 0.15 * r.normal()
      return sleMeasures(
        present: now, items: nil, titer: nil, upcr: upcr, creatinine: creatinine, pga: pga,
        bilag: withBILAG, rng: &r)
    }
  }

  // MARK: Liver failure

  /// Baseline liver labs for a latent severity `z` (higher is sicker).
  func liverBaseline(z: Double, rng r: inout SeedRandom) -> MeasureSet {
    let ascitesShift = clamped(0.3 * z, -0.3...0.3)
    return MeasureSet(
      creatinine: Self.lab(exp(log(1.0) + 0.3 * z + 0.3 * r.normal()), 2),
      bilirubin: Self.lab(clamped(exp(log(11) + 0.45 * z + 0.3 * r.normal()), 2...45), 1),
      inr: Self.lab(clamped(1.3 + exp(log(0.55) + 0.35 * z + 0.3 * r.normal()), 1.05...6), 2),
      sodium: Self.lab(clamped(134 - 2.5 * z + 3 * r.normal(), 118...146), 0),
      albumin: Self.lab(clamped(2.9 - 0.2 * z + 0.3 * r.normal(), 1.8...4.2), 1),
      dialysis: false,
      ascites: [Ascites.none, .mild, .moderateSevere][
        r.weighted([0.4 - ascitesShift, 0.4, 0.2 + ascitesShift])],
      encephalopathy: [Encephalopathy.none, .grade1To2, .grade3To4][r.weighted([0.75, 0.2, 0.05])])
  }

  func liverAssessments(of p: SyntheticPatient, rng r: inout SeedRandom) -> [SyntheticAssessment] {
    let baseline = eligibleBaseline(
      of: p, { r, attempt in liverBaseline(z: p.severity * pow(0.97, Double(attempt)), rng: &r) },
      rng: &r)
    let msc = p.arm.receivesMSC
    let tau = msc ? 30.0 : 55.0
    let patientFactor = exp(0.3 * r.normal())
    let bili0 = baseline.bilirubin?.canonical ?? 10
    let inr0 = baseline.inr?.canonical ?? 1.8
    let cr0 = baseline.creatinine?.canonical ?? 1.0
    let na0 = baseline.sodium?.canonical ?? 134
    let alb0 = baseline.albumin?.canonical ?? 2.9
    return assessments(of: p, baseline: baseline) { t in
      // Recovering patients approach 30% of their excess; those who die or need a
      // transplant worsen toward the event.
      let level: Double
      if let event = p.eventDay {
        level = 1 + 0.5 * min(t / Double(event), 1)
      } else {
        level = clamped((0.3 + 0.7 * exp(-t / tau)) * patientFactor, 0.15...1.3)
      }
      let noise = { (sd: Double, r: inout SeedRandom) in exp(sd * r.normal()) }
      let ascites = baseline.ascites.map { a -> Ascites in
        level < 0.55
          ? (a == .moderateSevere ? .mild : .none)
          : level > 1.25 ? (a == .none ? .mild : .moderateSevere) : a
      }
      let enceph = baseline.encephalopathy.map { e -> Encephalopathy in
        level < 0.6 ? .none : level > 1.3 && e == .none ? .grade1To2 : e
      }
      return MeasureSet(
        creatinine: Self.lab(cr0 * (0.6 + 0.4 * level) * noise(0.08, &r), 2),
        bilirubin: Self.lab(bili0 * level * noise(0.1, &r), 1),
        inr: Self.lab(1 + (inr0 - 1) * level * noise(0.08, &r), 2),
        sodium: Self.lab(137 - (137 - na0) * level + 1.5 * r.normal(), 0),
        albumin: Self.lab(3.5 - (3.5 - alb0) * min(level, 1.2) + 0.15 * r.normal(), 1),
        dialysis: false, ascites: ascites, encephalopathy: enceph)
    }
  }

  /// A patient's assessments, one per scheduled visit in order: `baseline` at the visit of
  /// day 0 held on the day of enrollment, `followUp(t)` at every other visit (`t` days after
  /// enrollment; it draws from the caller's generator, so draws keep their order).
  func assessments(
    of p: SyntheticPatient, baseline: MeasureSet, followUp: (Double) -> MeasureSet
  ) -> [SyntheticAssessment] {
    var result: [SyntheticAssessment] = []
    result.reserveCapacity(p.visits.count)
    for (v, date) in p.visits {
      let visit = trial.visits[v]
      let t = Double(p.enrolledOn.days(until: date))
      let measures = t == 0 && visit.day == 0 ? baseline : followUp(t)
      result.append(assessment(visit.code, date, measures, p))
    }
    return result
  }

  func assessment(
    _ visit: String, _ date: CalendarDate, _ measures: MeasureSet, _ p: SyntheticPatient
  ) -> SyntheticAssessment {
    SyntheticAssessment(
      visit: visit, date: date, measures: measures,
      scores: measures.derivedScores(sex: p.sex, age: p.age))
  }
}
