import Foundation
import Hummingbird

/// The request context of the registry service: Hummingbird's core storage and the user a
/// request acts as, once its token is checked (for the request's log line).
struct RegistryRequestContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  /// The signed-in user, set by `RegistryRoutes.user(of:context:)`.
  let actingUser = ActingUser()

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
  }
}

/// The user of one request, shared between the handler that learns it and the middleware
/// that logs it.
final class ActingUser: @unchecked Sendable {
  private let lock = NSLock()
  private var name: String?

  /// The user, or nil before sign-in (and for routes that need none).
  var value: String? {
    get { lock.withLock { name } }
    set { lock.withLock { name = newValue } }
  }
}
