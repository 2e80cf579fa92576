/// How one patient counts in a responder endpoint of the cohort report (SRI-4, renal
/// response), as both `SRI4.status` / `RenalResponse.status` and the report's SQL classify it.
public enum ResponderStatus: String, Sendable, Hashable, CaseIterable, Codable {
  /// A responder: in the numerator and the denominator.
  case responder
  /// Evaluated and not a responder: in the denominator only.
  case nonResponder = "non_responder"
  /// Due (the visit's window has closed, or the visit was recorded) but not evaluable: a
  /// non-responder in the denominator (non-responder imputation), also counted as `missing`.
  case missing
  /// Not yet due: no visit recorded and its window still open; outside the denominator.
  case notDue = "not_due"
  /// Outside the endpoint's population (renal response: baseline UPCR below the threshold or
  /// not recorded); outside the denominator.
  case outsidePopulation = "outside_population"
}
