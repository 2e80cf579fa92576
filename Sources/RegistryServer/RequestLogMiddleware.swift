import Foundation
import Hummingbird
import Logging
import RegistryDomain

/// Renders every failure as `application/problem+json` and writes one structured log line per
/// request: request id, method, route (the pattern, `/patients/{study_id}`, never the path
/// with its identifiers), status, duration and user. No body, query or header is logged.
struct RequestLogMiddleware: RouterMiddleware {
  typealias Context = RegistryRequestContext
  let logger: Logger

  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let start = ContinuousClock.now
    let response: Response
    do {
      response = try await next(request, context)
    } catch {
      response = Self.problem(for: error).response()
    }
    let elapsed = ContinuousClock.now - start
    let ms =
      Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    // One decimal, without `String(format:)` (slow on Linux, and this runs for every request).
    let tenths = Int((ms * 10).rounded())
    logger.info(
      "request",
      metadata: [
        "request_id": "\(context.id)",
        "method": "\(request.method.rawValue)",
        "route": "\(Self.route(context.endpointPath))",
        "status": "\(response.status.code)",
        "duration_ms": "\(tenths / 10).\(tenths % 10)",
        "user": "\(context.actingUser.value ?? "-")",
      ])
    return response
  }

  /// The problem any error thrown by a route answers.
  static func problem(for error: any Error) -> Problem {
    switch error {
    case let problem as Problem:
      return problem
    case let error as RegistryError:
      return Problem(error)
    case let error as HTTPError:
      return Problem(
        status: error.status, title: error.status.reasonPhrase,
        detail: error.body ?? error.status.reasonPhrase)
    case is DecodingError:
      return Problem(
        status: .badRequest, title: "Malformed request",
        detail: "the request body is not the JSON this route takes")
    default:
      return Problem(
        status: .internalServerError, title: "Internal error", detail: "internal error")
    }
  }

  /// A route pattern as `openapi.yaml` writes it: `/patients/:study_id` → `/patients/{study_id}`;
  /// `-` for a request that matched no route.
  static func route(_ pattern: String?) -> String {
    guard let pattern else { return "-" }
    let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map {
      $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
    }
    return "/" + parts.joined(separator: "/")
  }
}
