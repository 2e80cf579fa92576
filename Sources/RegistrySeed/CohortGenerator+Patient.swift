import Foundation
import RegistryDomain

extension CohortGenerator {
  /// The patient at `index` (0-based, enrollment order): identity, consent, screen failures
  /// before them, allocation, infusions, visits attended, adverse and clinical events, status.
  ///
  /// - Precondition: `0 <= index < count`.
  public func patient(at index: Int) -> SyntheticPatient {
    var r = SeedRandom(seed: seed, index: index, stream: 1)
    let e = effects
    let siteCode = sites[Int(siteIndex[index])]
    let arm = trial.arms[Int(armIndex[index])]
    let enrolled = CalendarDate(dayNumber: Int(enrollmentDay[index]))
    let sex: Sex = r.chance(e.femaleShare) ? .female : .male
    let ageBounds = trial.eligibility.ageYears
    let lowAge = ageBounds?.min ?? 18
    let highAge = ageBounds?.max ?? 85
    let age = min(max(Int((e.ageMean + e.ageSD * r.normal()).rounded()), lowAge), highAge)
    let birth = Self.birthDate(age: age, on: enrolled, offset: r.int(0...364))
    // Unique per protocol also when a cohort is appended to an earlier one.
    let mrn = "SYN-\(siteCode)-" + Self.padded(Int(number[index]), 4)
    let names = sex == .female ? SyntheticNames.female : SyntheticNames.male
    let identity = PatientIdentity(
      mrn: mrn, givenName: r.pick(names), familyName: r.pick(SyntheticNames.family),
      birthDate: birth, contact: nil)
    let severity = r.normal()
    let asOfDay = enrolled.days(until: asOf)

    // Screen failures at this site shortly before this enrollment.
    var failures: [SyntheticScreenFailure] = []
    let failureCount = r.poisson(e.screenFailuresPerEnrollment)
    if failureCount > 0 {
      var f = SeedRandom(seed: seed, index: index, stream: 3)
      for _ in 0..<failureCount {
        let date = enrolled.adding(days: -f.int(0...21))
        failures.append(
          SyntheticScreenFailure(
            site: siteCode, date: date,
            failedCriteria: screenFailureCriteria(on: date, rng: &f)))
      }
      failures.sort { $0.date < $1.date }
    }

    // Follow-up: the first of event (death or transplant), withdrawal, loss, or asOf.
    let w = e.severityWeight
    let u = normalCDF(-w * severity + (1 - w * w).squareRoot() * r.normal())
    let eventDay = e.eventDay(u: u, receivesMSC: arm.receivesMSC)
    let isTransplant = r.chance(e.transplantShare)
    let withdrawalDay = r.chance(e.withdrawal) ? r.int(7...365) : Int.max
    let lostDay = r.chance(e.lostToFollowUp) ? r.int(30...400) : Int.max
    let endDay = min(eventDay, withdrawalDay, lostDay)
    let ended = endDay <= asOfDay
    let lastDay = ended ? endDay : asOfDay  // last day anything may be dated

    // Visits attended: baseline on day 0; others inside their windows, some missed.
    var visits: [(visit: Int, date: CalendarDate)] = []
    for (v, visit) in trial.visits.enumerated() {
      if visit.day == 0 {
        visits.append((v, enrolled))
        continue
      }
      let missed = r.chance(e.missedVisit)
      let day = visit.day + r.jitter(visit.window.before, visit.window.after)
      if !missed && day < lastDay && day <= asOfDay {
        visits.append((v, enrolled.adding(days: day)))
      }
    }
    visits.sort { $0.date < $1.date }

    // Infusions.
    var infusions: [SyntheticInfusion] = []
    if arm.receivesMSC {
      let plan = trial.treatment
      let planned =
        r.chance(0.05) && plan.maxInfusions > 1
        ? r.int(1...(plan.maxInfusions - 1)) : plan.maxInfusions
      let spacing = plan.minDaysBetweenInfusions > 0 ? plan.minDaysBetweenInfusions : 7
      let weight = clamped(
        (sex == .female ? 60 : 70) + (trial.condition == .sle ? 0 : 2) + 9 * r.normal(), 45...95)
      var day = r.chance(0.7) ? 0 : 1
      while infusions.count < planned && day < lastDay && day <= asOfDay {
        let date = enrolled.adding(days: day)
        guard let lot = lotIndex(forDay: date.dayNumber) else { break }
        let kg = rounded(clamped(weight + r.uniform(-0.5...0.5), 45...95), 1)
        infusions.append(
          SyntheticInfusion(
            ordinal: infusions.count + 1, date: date, lotIndex: lot, weightKg: kg,
            totalCells: Self.totalCells(weightKg: kg, plan: plan, rng: &r), route: .iv))
        day += spacing + (r.chance(0.7) ? 0 : r.int(1...2))
      }
    }

    // Clinical events and status.
    var events: [SyntheticClinicalEvent] = []
    var consent = Consent(
      version: enrolled.dayNumber < asOf.dayNumber - Self.enrollmentSpanDays / 2 ? "1.0" : "1.1",
      signedOn: enrolled.adding(days: -r.int(0...7)))
    let initialStatus: PatientStatus = infusions.isEmpty ? .enrolled : .treated
    let initialStatusOn = infusions.first?.date
    var status = initialStatus
    var statusOn = initialStatusOn
    var fatalDay: Int? = nil
    if ended {
      let date = enrolled.adding(days: endDay)
      if endDay == eventDay {
        if isTransplant {
          events.append(SyntheticClinicalEvent(kind: .liverTransplant, date: date))
        } else {
          events.append(SyntheticClinicalEvent(kind: .death, date: date))
          status = .died
          statusOn = date
          fatalDay = endDay
        }
      } else if endDay == withdrawalDay {
        status = .withdrawn
        statusOn = date
        consent = Consent(version: consent.version, signedOn: consent.signedOn, withdrawnOn: date)
      } else {
        events.append(SyntheticClinicalEvent(kind: .lostToFollowUp, date: date))
        status = .lostToFollowUp
        statusOn = date
      }
    }
    if !ended, let final = trial.visits.max(by: { $0.day < $1.day }), final.day > 0,
      final.window.lastDay <= asOfDay
    {
      status = .completed
      statusOn =
        visits.last(where: { $0.visit == trial.visits.firstIndex(of: final) })?.date
        ?? enrolled.adding(days: final.day)
    }

    let adverse = adverseEvents(
      enrolled: enrolled, lastDay: lastDay, fatalDay: fatalDay, infusions: infusions,
      receivesMSC: arm.receivesMSC, rng: &r)

    return SyntheticPatient(
      index: index,
      studyID: Patient.studyID(
        prefix: trial.studyIDPrefix, site: siteCode, number: Int(number[index])),
      site: siteCode, number: Int(number[index]),
      stratum: trial.randomization?.stratumKey(siteCode: siteCode) ?? "*",
      allocationPosition: Int(position[index]), arm: arm, sex: sex, age: age,
      enrolledOn: enrolled, identity: identity, consent: consent, screenFailures: failures,
      infusions: infusions, adverseEvents: adverse, clinicalEvents: events,
      initialStatus: initialStatus, initialStatusOn: initialStatusOn, status: status,
      statusOn: statusOn, visits: visits, severity: severity,
      eventDay: ended && endDay == eventDay ? endDay : nil)
  }

  /// A birth date giving exactly `age` whole years on `date`.
  static func birthDate(age: Int, on date: CalendarDate, offset: Int) -> CalendarDate {
    let anchor = date.adding(days: -offset)  // the last birthday falls within the past year
    var birth =
      CalendarDate(year: anchor.year - age, month: anchor.month, day: anchor.day)
      ?? CalendarDate(year: anchor.year - age, month: anchor.month, day: 28)!
    while date.years(since: birth) > age {
      birth = CalendarDate(year: birth.year + 1, month: birth.month, day: min(birth.day, 28))!
    }
    while date.years(since: birth) < age {
      birth = CalendarDate(year: birth.year - 1, month: birth.month, day: min(birth.day, 28))!
    }
    return birth
  }

  /// Cells for a dose near the middle of the protocol's range, rounded to 10⁵ when the
  /// rounded dose stays inside the range.
  static func totalCells(weightKg: Double, plan: TreatmentPlan, rng r: inout SeedRandom) -> Double {
    let low = plan.dosePerKg.min ?? 1e6
    let high = plan.dosePerKg.max ?? low
    let target = clamped((low * high).squareRoot() * exp(0.06 * r.normal()), low...high)
    let step = 1e5
    let roundedCells = (target * weightKg / step).rounded() * step
    // The infusion gate compares exactly (`DosePerKg`), so the draw is checked the same way.
    func inRange(_ cells: Double) -> Bool {
      cells > 0 && DosePerKg.isAtLeast(cells: cells, weightKg: weightKg, low)
        && DosePerKg.isAtMost(cells: cells, weightKg: weightKg, high)
    }
    for cells in [roundedCells, roundedCells + step, roundedCells - step] where inRange(cells) {
      return cells
    }
    let cells = target * weightKg
    if inRange(cells) { return cells }
    return inRange(cells.rounded(.up)) ? cells.rounded(.up) : cells.rounded(.down)
  }

  /// Adverse events of one patient: infusion reactions, condition-specific events over
  /// follow-up, and the fatal event of a death.
  func adverseEvents(
    enrolled: CalendarDate, lastDay: Int, fatalDay: Int?, infusions: [SyntheticInfusion],
    receivesMSC: Bool, rng r: inout SeedRandom
  ) -> [SyntheticAdverseEvent] {
    let asOfDay = enrolled.days(until: asOf)
    var result: [SyntheticAdverseEvent] = []
    func resolution(_ onset: Int, _ grade: CTCAEGrade) -> CalendarDate? {
      guard grade != .death, r.chance(0.85) else { return nil }
      let day = onset + r.int(1...(grade.rawValue >= 3 ? 28 : 14))
      return day <= min(asOfDay, fatalDay ?? Int.max) ? enrolled.adding(days: day) : nil
    }
    for infusion in infusions where r.chance(effects.infusionReaction) {
      let day = enrolled.days(until: infusion.date) + (r.chance(0.7) ? 0 : 1)
      guard day <= lastDay else { continue }
      let grade: CTCAEGrade = r.chance(0.8) ? .mild : .moderate
      result.append(
        SyntheticAdverseEvent(
          term: r.pick(SyntheticNames.infusionTerms), grade: grade, serious: nil,
          relatedness: r.chance(0.6) ? .possible : .probable, onset: enrolled.adding(days: day),
          resolved: resolution(day, grade), infusionOrdinal: infusion.ordinal))
    }
    let years = Double(min(max(lastDay, 0), 365)) / 365
    let terms = trial.condition == .sle ? SyntheticNames.sleTerms : SyntheticNames.liverTerms
    for _ in 0..<r.poisson(effects.adverseEventsPerYear * years) {
      let day = r.int(0...max(lastDay, 0))
      let grade = CTCAEGrade(rawValue: 1 + r.weighted([0.45, 0.35, 0.16, 0.04]))!
      let serious: Seriousness? =
        switch grade {
        case .lifeThreatening: .lifeThreatening
        case .severe: r.chance(0.7) ? .hospitalisation : nil
        case .moderate: r.chance(0.04) ? .importantMedicalEvent : nil
        default: nil
        }
      // SPEC §4: any relatedness but `unrelated` needs an infusion on or before the onset.
      // (The draw is made either way, so the rest of the cohort stays as it was.)
      let unrelated = r.chance(0.7)
      let exposed = infusions.contains { enrolled.days(until: $0.date) <= day }
      var relatedness: Relatedness = unrelated || !exposed ? .unrelated : .unlikely
      var link: Int? = nil
      if receivesMSC, r.chance(0.07),
        let last = infusions.last(where: { enrolled.days(until: $0.date) <= day })
      {
        relatedness = .possible
        link = last.ordinal
      }
      result.append(
        SyntheticAdverseEvent(
          term: r.pick(terms), grade: grade, serious: serious, relatedness: relatedness,
          onset: enrolled.adding(days: day), resolved: resolution(day, grade),
          infusionOrdinal: link))
    }
    if let fatalDay {
      let onset = fatalDay - r.int(0...min(5, fatalDay))
      result.append(
        SyntheticAdverseEvent(
          term: r.pick(
            trial.condition == .sle ? SyntheticNames.sleFatalTerms : SyntheticNames.liverFatalTerms),
          grade: .death, serious: .death, relatedness: .unrelated,
          onset: enrolled.adding(days: onset), resolved: nil, infusionOrdinal: nil))
    }
    result.sort { $0.onset < $1.onset }
    return result
  }
}
