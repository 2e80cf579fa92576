/// The release gate for an MSC lot: ISCT minimal criteria and the release tests.
///
/// Generic release specification (every lot, whatever protocol later infuses it):
/// - markers (ISCT, Dominici 2006): CD73, CD90, CD105 each ≥ 95% positive; CD45, CD34, CD14,
///   CD19 and HLA-DR each ≤ 2% positive; every marker must be recorded;
/// - sterility and mycoplasma recorded and negative;
/// - endotoxin recorded and ≤ 0.5 EU/mL (a concentration limit for the lot; the per-patient
///   limit of 5 EU/kg depends on the dose volume and is not checked here);
/// - viability ≥ 70% (protocols may demand more: `treatment.release.min_viability_pct`);
/// - not expired on the day of release.
/// The database holds the same thresholds in the `lot_release_criteria` CHECK.
public enum ReleaseCheck {
  /// Minimum percent positive for CD73, CD90 and CD105.
  public static let positiveMarkerMinPct = 95.0
  /// Maximum percent positive for CD45, CD34, CD14, CD19 and HLA-DR.
  public static let negativeMarkerMaxPct = 2.0
  /// Maximum endotoxin, EU/mL.
  public static let endotoxinMaxEUPerML = 0.5
  /// Minimum viability, percent.
  public static let viabilityMinPct = 70.0

  /// Every item of the generic release specification that fails, in a fixed order; empty
  /// when the lot may be released. Each entry names the item, its value and the limit.
  public static func failures(_ lot: MSCLot, today: CalendarDate) -> [String] {
    var failed = isctFailures(lot.markers)
    switch lot.sterility {
    case nil: failed.append("sterility: not recorded (must be negative)")
    case .positive: failed.append("sterility: positive (must be negative)")
    case .negative: break
    }
    switch lot.mycoplasma {
    case nil: failed.append("mycoplasma: not recorded (must be negative)")
    case .positive: failed.append("mycoplasma: positive (must be negative)")
    case .negative: break
    }
    if let endotoxin = lot.endotoxinEUPerML {
      if endotoxin > endotoxinMaxEUPerML {
        failed.append(
          "endotoxin: \(ClinicalNumber.format(endotoxin)) EU/mL "
            + "(must be ≤ \(ClinicalNumber.format(endotoxinMaxEUPerML)) EU/mL)")
      }
    } else {
      failed.append(
        "endotoxin: not recorded (must be ≤ \(ClinicalNumber.format(endotoxinMaxEUPerML)) EU/mL)")
    }
    if lot.viabilityPct < viabilityMinPct {
      failed.append(
        "viability: \(ClinicalNumber.format(lot.viabilityPct))% "
          + "(must be ≥ \(ClinicalNumber.format(viabilityMinPct))%)")
    }
    if lot.expiresOn < today {
      failed.append("expiry: the lot expired on \(lot.expiresOn) (today is \(today))")
    }
    return failed
  }

  /// Every ISCT marker that is missing or outside its limit.
  public static func isctFailures(_ panel: MarkerPanel) -> [String] {
    var failed: [String] = []
    for marker in MarkerPanel.markers {
      let limit =
        marker.positive
        ? "≥ \(ClinicalNumber.format(positiveMarkerMinPct))%"
        : "≤ \(ClinicalNumber.format(negativeMarkerMaxPct))%"
      guard let value = panel[keyPath: marker.keyPath] else {
        failed.append("\(marker.name): not recorded (must be \(limit) positive)")
        continue
      }
      let passes = marker.positive ? value >= positiveMarkerMinPct : value <= negativeMarkerMaxPct
      if !passes {
        failed.append("\(marker.name): \(ClinicalNumber.format(value))% (must be \(limit))")
      }
    }
    return failed
  }

  /// Every release criterion of a protocol (`treatment.release`) the lot does not meet.
  public static func protocolFailures(_ lot: MSCLot, criteria: ReleaseCriteria) -> [String] {
    var failed: [String] = []
    if lot.viabilityPct < criteria.minViabilityPct {
      failed.append(
        "viability \(ClinicalNumber.format(lot.viabilityPct))% is below the protocol's "
          + "minimum \(ClinicalNumber.format(criteria.minViabilityPct))%")
    }
    if lot.passage > criteria.maxPassage {
      failed.append(
        "passage \(lot.passage) is above the protocol's maximum \(criteria.maxPassage)")
    }
    if criteria.isctMarkers {
      failed += isctFailures(lot.markers).map { "ISCT markers: \($0)" }
    }
    return failed
  }
}
