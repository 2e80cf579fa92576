import Foundation
import Hummingbird
import RegistryDomain
import RegistryService

/// How one route spells the domain's field names in its problems: body members as JSON
/// Pointers, query and path parameters by name in `parameter` (no pointer: they are not in
/// the body). Fields it does not list keep `Problem.pointer(forField:)`'s spelling.
struct RouteFields: Sendable {
  /// Domain or CLI field name → body member (`LOT` → `lot_number`).
  var body: [String: String] = [:]
  /// Domain or CLI field name → query or path parameter (`--min-cell` → `min_cell`).
  var parameters: [String: String] = [:]

  /// The problem an error of this route answers.
  func problem(_ error: RegistryError) -> Problem {
    if let parameter = parameters[error.field] {
      var problem = Problem(error)
      problem.pointer = nil
      problem.parameter = parameter
      return problem
    }
    if let member = body[error.field] {
      return Problem(FieldSpelling("HTTP body", exceptions: [error.field: member]).spelled(error))
    }
    return Problem(error)
  }
}

/// A JSON scalar (or a list of them) of a request body, as the text a CSV cell or a CLI
/// option would hold: numbers as written in decimal, booleans as `true`/`false`.
enum BodyValue: Decodable, Sendable {
  case text(String)
  case list([String])
  case null

  init(from decoder: any Decoder) throws {
    let value = try decoder.singleValueContainer()
    if value.decodeNil() {
      self = .null
    } else if let b = try? value.decode(Bool.self) {
      self = .text(b ? "true" : "false")
    } else if let i = try? value.decode(Int.self) {
      self = .text(String(i))
    } else if let d = try? value.decode(Double.self) {
      self = .text(String(d))
    } else if let s = try? value.decode(String.self) {
      self = .text(s)
    } else {
      self = .list(try value.decode([BodyScalar].self).map(\.text))
    }
  }

  /// The value as one text (a list joined by commas); nil for null.
  var text: String? {
    switch self {
    case .text(let t): t
    case .list(let l): l.joined(separator: ",")
    case .null: nil
    }
  }

  /// One element of a list.
  struct BodyScalar: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
      guard case .text(let t) = try BodyValue(from: decoder) else {
        throw DecodingError.dataCorrupted(
          .init(codingPath: decoder.codingPath, debugDescription: "a list of scalars"))
      }
      text = t
    }
  }
}

/// The members of a JSON object body, as text.
struct BodyFields: Sendable {
  /// Member → value (null members left out).
  var values: [String: String]
  /// Members that were lists.
  var lists: [String: [String]]

  /// Reads the request's body: a JSON object of scalars and lists of scalars (400
  /// otherwise); a member not in `allowed` is refused (422, its pointer).
  static func read(
    _ request: Request, _ context: RegistryRequestContext, allowed: Set<String>,
    what: String
  ) async throws -> BodyFields {
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    let fields: [String: BodyValue]
    do {
      fields = try JSONDecoder().decode(
        [String: BodyValue].self, from: Data(buffer.readableBytesView))
    } catch {
      throw Problem(
        status: .badRequest, title: "Malformed request",
        detail: "the body must be a JSON object of text, number, boolean and list members")
    }
    if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
      throw Problem(
        RegistryError.refused(
          unknown,
          "is not a field of \(what) (fields: \(allowed.sorted().joined(separator: ", ")))"))
    }
    var values: [String: String] = [:]
    var lists: [String: [String]] = [:]
    for (key, value) in fields {
      if let text = value.text { values[key] = text }
      if case .list(let list) = value { lists[key] = list }
    }
    return BodyFields(values: values, lists: lists)
  }

  /// A required member: refused naming it when missing or empty.
  func required(_ name: String) throws -> String {
    guard let value = values[name], !value.isEmpty else {
      throw Problem(RegistryError.refused(name, "is required"))
    }
    return value
  }
}

extension RegistryRoutes {
  /// Runs a use case as `user` on the pool, its registry errors answered as `fields` spells
  /// them.
  func run<T: Sendable>(
    as user: SessionCredential, fields: RouteFields = RouteFields(),
    _ body: @escaping @Sendable (RegistryDatabase) throws -> T
  ) async throws -> T {
    do {
      return try await pool.perform(as: user, body)
    } catch let error as RegistryError {
      throw fields.problem(error)
    }
  }

  /// A path parameter, percent-decoded (a lot number may hold `/`, sent as `%2F`).
  static func pathParameter(_ context: RegistryRequestContext, _ name: String) throws -> String {
    let raw = try context.parameters.require(name)
    return raw.removingPercentEncoding ?? raw
  }

  /// A query parameter that must be a whole number in `range`; nil when absent; 400 naming
  /// it otherwise.
  static func integerParameter(
    _ request: Request, _ name: String, in range: ClosedRange<Int>
  ) throws -> Int? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    guard let value = Int(text), range.contains(value) else {
      var problem = Problem(
        status: .badRequest, title: "Malformed request",
        detail: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
      problem.parameter = name
      throw problem
    }
    return value
  }

  /// A query parameter that is `true` or `false` (absent: false); 400 otherwise.
  static func flagParameter(_ request: Request, _ name: String) throws -> Bool {
    guard let text = request.uri.queryParameters.get(name) else { return false }
    switch text {
    case "true": return true
    case "false": return false
    default:
      var problem = Problem(
        status: .badRequest, title: "Malformed request", detail: "must be true or false")
      problem.parameter = name
      throw problem
    }
  }

  /// A response of `contentType` with a text body.
  static func text(
    _ body: String, contentType: String, status: HTTPResponse.Status = .ok
  ) -> Response {
    Response(
      status: status, headers: [.contentType: contentType],
      body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
  }
}
