import Foundation
import RegistryDomain

/// Renders the cohort report as the JSON integration contract of SPEC §6.
///
/// Keys are sorted; survival, rates and intervals are rounded to 4 decimals and means and SDs
/// to 4 decimals; χ², hazard ratios and their intervals to 4 decimals and p-values to 4
/// significant digits. Suppressed figures are `null` and their keys are always present (SPEC
/// §6); so are figures that cannot be computed (a survival estimate that is not estimable is
/// `null` with `"estimable": false`). The plotting curve is left out.
public enum CohortReportJSON {
  /// The JSON text.
  public static func render(_ report: CohortReport) throws -> String {
    var rounded = report
    for g in rounded.groups.indices {
      rounded.groups[g].endpoints = rounded.groups[g].endpoints.map { endpoint in
        switch endpoint {
        case .survival(var s):
          s.curve = []
          s.points = s.points.map { p in
            var p = p
            p.survival = ReportFormat.round4(p.survival)
            p.ciLow = ReportFormat.round4(p.ciLow)
            p.ciHigh = ReportFormat.round4(p.ciHigh)
            return p
          }
          return .survival(s)
        case .proportion(var p):
          p.rate = ReportFormat.round4(p.rate)
          p.ciLow = ReportFormat.round4(p.ciLow)
          p.ciHigh = ReportFormat.round4(p.ciHigh)
          return .proportion(p)
        case .change(var c):
          c.mean = ReportFormat.round4(c.mean)
          c.sd = ReportFormat.round4(c.sd)
          c.ciLow = ReportFormat.round4(c.ciLow)
          c.ciHigh = ReportFormat.round4(c.ciHigh)
          return .change(c)
        }
      }
    }
    rounded.comparisons = rounded.comparisons.map { c in
      var c = c
      if var l = c.logRank {
        l.chiSquare = ReportFormat.round4(l.chiSquare) ?? l.chiSquare
        l.p = ReportFormat.significant4(l.p)
        c.logRank = l
      }
      if var h = c.hazardRatio {
        h.estimate = ReportFormat.round4(h.estimate) ?? h.estimate
        h.ciLow = ReportFormat.round4(h.ciLow) ?? h.ciLow
        h.ciHigh = ReportFormat.round4(h.ciHigh) ?? h.ciHigh
        h.p = ReportFormat.significant4(h.p)
        c.hazardRatio = h
      }
      return c
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(NullKeeping(rounded)), as: UTF8.self)
  }
}

/// JSONEncoder leaves nil optionals out; the contract wants suppressed figures as `null`.
/// This wrapper re-encodes through `JSONValue`, filling the known optional keys with null.
struct NullKeeping: Encodable {
  let report: CohortReport
  init(_ report: CohortReport) { self.report = report }

  static let groupKeys = ["enrolled", "treated", "withdrawn", "died", "transplanted"]
  static let pointKeys = ["at_risk", "survival", "ci_low", "ci_high"]
  static let proportionKeys = ["responders", "patients", "rate", "ci_low", "ci_high", "missing"]
  static let renalKeys = ["population", "population_upcr_min", "complete", "partial"]
  static let relatednessKeys = ["patients", "patients_serious", "events", "events_serious"]
  static let survivalKeys = [
    "median_days", "median_ci_low", "median_ci_high", "patients", "events_observed",
  ]
  static let comparisonKeys = ["log_rank", "hazard_ratio"]
  static let changeKeys = ["n", "mean", "sd", "ci_low", "ci_high"]
  static let aeKeys = ["patients_any", "patients_serious"]
  static let flowKeys = [
    "screened", "screen_failed", "enrolled", "treated", "withdrawn", "analysed",
  ]

  func encode(to encoder: Encoder) throws {
    let data = try JSONEncoder().encode(report)
    var value = try JSONDecoder().decode(JSONValue.self, from: data)
    value = Self.fill(value, Self.flowKeys, at: ["flow"])
    if case .object(var root) = value, case .array(let groups)? = root["groups"] {
      root["groups"] = .array(groups.map(Self.fillGroup))
      if case .array(let comparisons)? = root["comparisons"] {
        root["comparisons"] = .array(comparisons.map { Self.fill($0, Self.comparisonKeys) })
      }
      if root["site"] == nil { root["site"] = .null }
      value = .object(root)
    }
    try value.encode(to: encoder)
  }

  static func fill(_ value: JSONValue, _ keys: [String], at path: [String] = []) -> JSONValue {
    guard case .object(var o) = value else { return value }
    if let head = path.first {
      if let child = o[head] { o[head] = fill(child, keys, at: Array(path.dropFirst())) }
      return .object(o)
    }
    for k in keys where o[k] == nil { o[k] = .null }
    return .object(o)
  }

  static func fillGroup(_ group: JSONValue) -> JSONValue {
    var g = fill(group, groupKeys)
    g = fill(g, aeKeys, at: ["adverse_events"])
    g = fill(g, relatednessKeys, at: ["adverse_events", "related"])
    g = fill(g, relatednessKeys, at: ["adverse_events", "unrelated"])
    guard case .object(var o) = g, case .array(let endpoints)? = o["endpoints"] else { return g }
    o["endpoints"] = .array(
      endpoints.map { e in
        switch e["kind"] {
        case .string("survival")?:
          var s = fill(e, survivalKeys)
          if case .object(var so) = s, case .array(let points)? = so["points"] {
            so["points"] = .array(points.map { fill($0, pointKeys) })
            s = .object(so)
          }
          return s
        case .string("change")?: return fill(e, changeKeys)
        case .string("renal_response")?: return fill(e, proportionKeys + renalKeys)
        default: return fill(e, proportionKeys)
        }
      })
    return .object(o)
  }
}
