import Foundation
import Hummingbird
import RegistryDomain

/// An RFC 9457 problem: what every failed request answers, as `application/problem+json`.
///
/// It carries the same field and rule as the CLI's `error:` line; the field becomes a JSON
/// Pointer into the request body (`pointer(forField:)`, the one place that maps the domain's
/// field names to the API's).
struct Problem: Error, Sendable {
  /// The HTTP status.
  var status: HTTPResponse.Status
  /// A short, fixed summary of the kind of problem.
  var title: String
  /// What went wrong, as the CLI says it (never a patient's identifying data: the database's
  /// messages name fields and rules, not values).
  var detail: String
  /// A JSON Pointer to the request field at fault, when one is.
  var pointer: String?
  /// Every problem found, when there are several (an invalid protocol file's, by key path).
  var details: [String] = []

  /// The line of a refused row of a CSV request body (`POST /patients/import`), from 1 for
  /// the header.
  var line: Int?
  /// The column of that row at fault (the CSV import's column name, `mrn`).
  var column: String?
  /// The query or path parameter at fault, when the field is one (`min_cell`, `lot`).
  var parameter: String?

  /// The problem a registry error answers, by its kind: refused → 422, conflict → 409,
  /// unknown → 404, not allowed → 403, not signed in → 401, unavailable → 503, timeout →
  /// 503, usage → 400, else 500. A field `line N, column` (a refused row of an import) gives
  /// `line` and `column` instead of a pointer.
  init(_ error: RegistryError) {
    switch error.kind {
    case .refused:
      status = .unprocessableContent
      title = "Refused"
    case .conflict:
      status = .conflict
      title = "Conflict"
    case .notFound:
      status = .notFound
      title = "Not found"
    case .permissionDenied:
      status = .forbidden
      title = "Not allowed"
    case .unauthenticated:
      status = .unauthorized
      title = "Not signed in"
    case .unavailable, .timeout:
      status = .serviceUnavailable
      title = "Database unavailable"
    case .usage:
      status = .badRequest
      title = "Malformed request"
    case .internal:
      status = .internalServerError
      title = "Internal error"
    }
    detail = error.message
    if let match = error.field.wholeMatch(of: #/line ([0-9]+), (.+)/#) {
      line = Int(match.output.1)
      column = String(match.output.2)
      pointer = nil
    } else {
      pointer =
        [.serviceUnavailable, .unauthorized].contains(status)
        ? nil : Self.pointer(forField: error.field)
      // The patient a route names is its `{study_id}` path parameter.
      if error.field == "study_id" { parameter = "study_id" }
    }
    details = error.details
  }

  /// The problem of a registry error about a query parameter (one of `parameters`, by its
  /// name in the query): `parameter` names it instead of a pointer into a body.
  init(_ error: RegistryError, parameters: [String]) {
    self.init(error)
    if let name = pointer.map({ String($0.dropFirst()) }), parameters.contains(name) {
      parameter = name
      pointer = nil
    }
  }

  init(
    status: HTTPResponse.Status, title: String, detail: String, pointer: String? = nil,
    parameter: String? = nil
  ) {
    self.status = status
    self.title = title
    self.detail = detail
    self.pointer = pointer
    self.parameter = parameter
  }

  /// Request headers an error can name (no pointer: they are not in the body).
  static let headers: Set<String> = ["If-Match", "Idempotency-Key", "Authorization"]

  /// The JSON Pointer of a domain field name in the request body: `weight_kg` → `/weight_kg`,
  /// `site.code` → `/site/code`; nil for fields that are not in a body (`database`, a header,
  /// the `{study_id}` of a patient's path, an SQL object such as `registry.enroll`).
  static func pointer(forField field: String) -> String? {
    if field == "database" || field == "study_id" || Self.headers.contains(field)
      || field.hasPrefix("registry.") || field.hasPrefix("identity.")
      || field.hasPrefix("audit.") || field.hasPrefix("$")
    {
      return nil
    }
    // Each dotted part is one reference token, escaped by the domain's JSON Pointer spelling.
    return field.split(separator: ".").map { FieldSpelling.jsonPointer(String($0)) }.joined()
  }

  /// The problem as a response.
  func response() -> Response {
    let data = bodyData()
    return Response(
      status: status, headers: [.contentType: "application/problem+json"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// The problem's JSON.
  func bodyData() -> Data {
    let body = Body(
      title: title, status: Int(status.code), detail: detail, pointer: pointer, line: line,
      column: column, parameter: parameter, details: details.isEmpty ? nil : details)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(body)) ?? Data()
  }

  /// The members of `application/problem+json` the registry sends.
  struct Body: Encodable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    var pointer: String?
    var line: Int?
    var column: String?
    var parameter: String?
    var details: [String]?
  }
}
