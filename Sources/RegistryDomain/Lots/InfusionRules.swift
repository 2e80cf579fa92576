/// One broken infusion rule: the field it is about and the rule with its values.
public struct InfusionViolation: Sendable, Equatable, CustomStringConvertible {
  /// The field in the domain's words (`lot`, `date`, `cells`; `ID` for the patient).
  public let field: String
  /// The rule and the values involved.
  public let message: String

  /// Creates a violation.
  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  /// `field: message`, the field named as the option that gives it (`--lot: …`), as a
  /// message names it.
  public var description: String { "\(FieldSpelling.option(field)): \(message)" }
}

/// The infusion rules of SPEC §4 as one pure function.
///
/// Rules, in the order they are reported:
/// 1. the patient is `enrolled`, `treated` or `completed` (not withdrawn, dead or lost);
/// 2. the patient's arm receives MSC;
/// 3. the infusion date is not before enrollment and not after `today`;
/// 4. the lot is released, was made on or before the infusion date and has not expired on it
///    (the expiry date itself is allowed: a lot "expires on" the last day it may be used);
/// 5. the lot's source is one the protocol allows, and its product is the protocol's;
/// 6. the lot meets the protocol's release criteria (viability, passage, ISCT markers);
/// 7. the dose per kg (cells ÷ weight) lies within the protocol's range, ends included,
///    compared exactly in decimal arithmetic (`DosePerKg`; the database gate does the same);
/// 8. the patient has had fewer than `max_infusions` live (non-voided) infusions;
/// 9. the date is at least `min_days_between_infusions` days from every other live infusion.
public enum InfusionRules {
  /// Every rule the entry breaks; empty when the infusion may be recorded.
  ///
  /// - Parameters:
  ///   - patient: the recipient.
  ///   - arm: the recipient's arm in the protocol (nil: unknown, refused).
  ///   - plan: the protocol's `treatment`.
  ///   - lot: the lot to infuse.
  ///   - entry: what is to be recorded.
  ///   - otherInfusions: dates of the patient's other live infusions.
  ///   - today: the last date that is not in the future.
  public static func check(
    patient: Patient, arm: ProtocolArm?, plan: TreatmentPlan, lot: MSCLot,
    entry: InfusionEntry, otherInfusions: [CalendarDate], today: CalendarDate
  ) -> [InfusionViolation] {
    var v: [InfusionViolation] = []
    let id = patient.studyID
    let trial = "\(patient.protocolCode) v\(patient.protocolVersion)"
    if !(patient.status == .enrolled || patient.status == .treated
      || patient.status == .completed)
    {
      let since = patient.statusOn.map { " since \($0)" } ?? ""
      v.append(
        .init(
          field: "study_id",
          message:
            "\(id) has status \(patient.status.rawValue)\(since); infusions are only for enrolled, "
            + "living, non-withdrawn patients"))
    }
    if let arm {
      if !arm.receivesMSC {
        v.append(
          .init(
            field: "study_id",
            message: "\(id) is in arm \(arm.code) of \(trial), which does not receive MSC"))
      }
    } else {
      v.append(.init(field: "study_id", message: "\(id)'s arm \(patient.arm) is not in \(trial)"))
    }
    if entry.date < patient.enrolledOn {
      v.append(
        .init(
          field: "date",
          message: "\(entry.date) is before \(id)'s enrollment date \(patient.enrolledOn)"))
    }
    if entry.date > today {
      v.append(
        .init(field: "date", message: "\(entry.date) is in the future (today is \(today))"))
    }
    let lotName = "lot \(lot.lotNumber)"
    if lot.status != .released {
      v.append(
        .init(field: "lot", message: "\(lotName) is \(lot.status.rawValue), not released"))
    }
    if entry.date > lot.expiresOn {
      v.append(
        .init(
          field: "lot",
          message:
            "\(lotName) expired on \(lot.expiresOn), before the infusion on \(entry.date) "
            + "(the expiry date is the last day it may be infused)"))
    }
    if entry.date < lot.manufacturedOn {
      v.append(
        .init(
          field: "date",
          message: "\(entry.date) is before \(lotName) was manufactured (\(lot.manufacturedOn))"))
    }
    if !plan.allowedSources.contains(lot.source) {
      v.append(
        .init(
          field: "lot",
          message:
            "\(lotName) is from \(lot.source.rawValue); \(trial) allows "
            + plan.allowedSources.map(\.rawValue).joined(separator: ", ")))
    }
    if lot.product != plan.product {
      v.append(
        .init(
          field: "lot",
          message:
            "\(lotName) is \(lot.product.rawValue); \(trial) infuses \(plan.product.rawValue)"))
    }
    let releaseFailures = ReleaseCheck.protocolFailures(lot, criteria: plan.release)
    if !releaseFailures.isEmpty {
      v.append(
        .init(
          field: "lot",
          message:
            "\(lotName) does not meet \(trial)'s release criteria: "
            + releaseFailures.joined(separator: ", ")))
    }
    let dose = entry.dosePerKg
    let unit = plan.product == .cells ? "cells/kg" : "particles/kg"
    let doseText =
      "dose \(DosePerKg.plain(dose)) \(unit) "
      + "(\(DoseFormat.scientific(entry.cells, decimals: 8)) / "
      + "\(ClinicalNumber.format(entry.weightKg)) kg)"
    if let min = plan.dosePerKg.min,
      !DosePerKg.isAtLeast(cells: entry.cells, weightKg: entry.weightKg, min)
    {
      v.append(
        .init(
          field: "cells",
          message:
            "\(doseText) is below \(trial)'s minimum \(DoseFormat.scientific(min)) \(unit)"))
    }
    if let max = plan.dosePerKg.max,
      !DosePerKg.isAtMost(cells: entry.cells, weightKg: entry.weightKg, max)
    {
      v.append(
        .init(
          field: "cells",
          message:
            "\(doseText) is above \(trial)'s maximum \(DoseFormat.scientific(max)) \(unit)"))
    }
    if otherInfusions.count >= plan.maxInfusions {
      v.append(
        .init(
          field: "study_id",
          message:
            "\(id) has had \(otherInfusions.count) infusion\(otherInfusions.count == 1 ? "" : "s"); "
            + "\(trial) allows at most \(plan.maxInfusions)"))
    }
    for other in otherInfusions.sorted() {
      let apart = abs(other.days(until: entry.date))
      if apart < plan.minDaysBetweenInfusions {
        v.append(
          .init(
            field: "date",
            message:
              "\(entry.date) is \(apart) day\(apart == 1 ? "" : "s") from the infusion on "
              + "\(other); \(trial) needs at least \(plan.minDaysBetweenInfusions) days between "
              + "infusions"))
      }
    }
    return v
  }
}
