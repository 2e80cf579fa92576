import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import RegistryDomain
import RegistryService

/// `POST /patients` (enroll, honouring Idempotency-Key) and `GET /patients/{study_id}`.
struct PatientRoutes: Sendable {
  let api: RegistryRoutes

  func register(on router: Router<RegistryRequestContext>) {
    router.post("patients") { request, context in try await enroll(request, context) }
    router.get("patients/:study_id") { request, context in
      let user = try api.user(of: request, context: context)
      let studyID = try context.parameters.require("study_id")
      let identify = request.uri.queryParameters.get("identify") == "true"
      // One transaction: the detail and the ETag of the same snapshot.
      let (detail, version) = try await api.pool.perform(as: user) {
        try PatientService($0).showWithVersion(studyID: studyID, identify: identify)
      }
      var response = try api.json(detail)
      response.headers[.eTag] = RegistryRoutes.entityTag(version)
      return response
    }
  }

  /// A JSON scalar of a request body, as the text a CSV cell would hold.
  enum Cell: Decodable {
    case text(String)

    init(from decoder: any Decoder) throws {
      let value = try decoder.singleValueContainer()
      if let b = try? value.decode(Bool.self) {
        self = .text(b ? "true" : "false")
      } else if let i = try? value.decode(Int.self) {
        self = .text(String(i))
      } else if let d = try? value.decode(Double.self) {
        self = .text(String(d))
      } else {
        self = .text(try value.decode(String.self))
      }
    }

    var text: String {
      switch self {
      case .text(let t): t
      }
    }
  }

  /// `POST /patients`: screens and enrolls one candidate (the fields of `patient import`'s
  /// columns, plus `protocol`); 201 with the study ID and arm.
  func enroll(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    let data = Data(buffer.readableBytesView)
    let fields: [String: Cell]
    do {
      fields = try JSONDecoder().decode([String: Cell].self, from: data)
    } catch {
      throw Problem(
        status: .badRequest, title: "Malformed request",
        detail: "the body must be a JSON object of text, number and boolean fields")
    }
    var cells = fields.mapValues(\.text).filter { !$0.value.isEmpty }
    guard let protocolCode = cells.removeValue(forKey: "protocol") else {
      throw Problem(RegistryError.refused("protocol", "is required"))
    }
    let enrollment = try EnrollmentImport.request(
      cells: cells, protocolCode: protocolCode, defaultSite: nil)
    let create: @Sendable (RegistryDatabase) throws -> StoredResponse = { database in
      let result = try EnrollmentService(database).enroll(enrollment)
      return StoredResponse(status: 201, body: try RegistryRoutes.jsonText(result))
    }
    // The request as a canonical text (fields sorted), so that a retry whose JSON orders its
    // members differently is the same request.
    let canonical = fields.keys.sorted().map { "\($0)=\(fields[$0]!.text)" }.joined(separator: "\n")
    return try await api.create(
      request, user: user, digestOf: Data(canonical.utf8), route: "POST /patients", create)
  }
}

extension RegistryRoutes {
  /// Runs a creating use case, once per Idempotency-Key when the request has one.
  func create(
    _ request: Request, user: SessionCredential, digestOf body: Data, route: String,
    _ create: @escaping @Sendable (RegistryDatabase) throws -> StoredResponse
  ) async throws -> Response {
    let stored: StoredResponse
    if let key = request.headers[HTTPField.Name("Idempotency-Key")!] {
      var hasher = SHA256()
      hasher.update(data: Data(route.utf8))
      hasher.update(data: body)
      let digest = Array(hasher.finalize())
      stored = try await pool.performOnce(
        as: user, key: key, requestDigest: digest, create,
        failed: { error in
          let problem = RequestLogMiddleware.problem(for: error)
          guard problem.status == .unprocessableContent else { return nil }
          return StoredResponse(
            status: Int(problem.status.code),
            body: String(decoding: problem.bodyData(), as: UTF8.self))
        })
    } else {
      stored = try await pool.perform(as: user, create)
    }
    let contentType = stored.status >= 400 ? "application/problem+json" : "application/json"
    var headers: HTTPFields = [.contentType: contentType]
    if stored.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
    return Response(
      status: HTTPResponse.Status(code: stored.status), headers: headers,
      body: ResponseBody(byteBuffer: ByteBuffer(string: stored.body)))
  }

  /// The ETag of a record version (`"v"`).
  static func entityTag(_ version: String) -> String { "\"\(version)\"" }

  /// The version an `If-Match` header names (its one entity tag, quotes and `W/` taken off);
  /// nil without the header or for `*`.
  static func ifMatch(_ request: Request) -> String? {
    guard var value = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces),
      value != "*"
    else { return nil }
    if value.hasPrefix("W/") { value.removeFirst(2) }
    return value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
  }

  /// JSON text with sorted keys.
  static func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
