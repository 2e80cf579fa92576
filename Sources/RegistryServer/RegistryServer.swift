import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import RegistryDomain
import RegistryService
import ServiceLifecycle

/// How `mscreg serve` runs.
public struct ServerConfiguration: Sendable {
  /// Address to listen on (`127.0.0.1`, `0.0.0.0`).
  public var host: String
  /// TCP port; 0 lets the system choose (the line `listening on http://HOST:PORT` tells).
  public var port: Int
  /// The service login's conninfo (a `service` user: `mscreg user add NAME --role service`).
  public var conninfo: String
  /// The most database sessions open at once.
  public var poolSize: Int
  /// How long a session token lives, in seconds (the database caps it at 24 hours).
  public var sessionLifetime: Int
  /// The contract served at `GET /openapi.yaml`.
  public var openAPIDocument: URL
  /// The migrations folder the database must be at (nil: no check).
  public var requiredSchema: URL?
  /// HTTPS with this certificate and key (nil: plain HTTP, e.g. behind a reverse proxy that
  /// terminates TLS).
  public var tls: ServerTLS?

  /// A configuration.
  public init(
    host: String, port: Int, conninfo: String, poolSize: Int, sessionLifetime: Int = 8 * 3600,
    openAPIDocument: URL, requiredSchema: URL?
  ) {
    self.host = host
    self.port = port
    self.conninfo = conninfo
    self.poolSize = poolSize
    self.sessionLifetime = sessionLifetime
    self.openAPIDocument = openAPIDocument
    self.requiredSchema = requiredSchema
  }
}

/// The registry's HTTP service: request → user role → one service call → response. No SQL and
/// no rule here: the routes call the same services as the CLI, each under the role of the
/// user whose session token the request carries (`DatabasePool.run(as:_:)`).
public enum RegistryServer {
  /// Makes the event loops that serve the connections also run Swift's concurrent tasks
  /// (`NIOSingletons`' take-over of the global executor), so that a request's handler, the
  /// resumption after its database work and the writing of its response stay on the event
  /// loop's thread instead of hopping through Swift's own cooperative pool and back. For
  /// `mscreg serve`, before its first task; later calls (and a runtime without the hook)
  /// change nothing. Returns whether the event loops run the tasks.
  @discardableResult
  public static func runTasksOnEventLoops() -> Bool { tasksOnEventLoops }

  /// The way back to the event loop a request came in on (`DatabasePool.ReturnPath`).
  @Sendable private static func currentEventLoop()
    -> (@Sendable (_ closure: @escaping @Sendable () -> Void) -> Void)?
  {
    guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
    return { closure in loop.execute(closure) }
  }

  private static let tasksOnEventLoops: Bool =
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

  /// Checks the database and the service's login (`ServiceLogin.check`), then serves until
  /// SIGTERM or SIGINT, after which requests in flight finish and no new ones start.
  /// `onListening` gets the bound address (`http://127.0.0.1:8080`, `https://…` with TLS).
  public static func run(
    _ configuration: ServerConfiguration, logger: Logger,
    onListening: @escaping @Sendable (String) -> Void
  ) async throws {
    // The certificate and key are read before anything else: a bad file stops `serve` with
    // an `error:` line.
    let server = try configuration.tls?.serverBuilder() ?? .http1()
    let scheme = configuration.tls == nil ? "http" : "https"
    let login = try ServiceLogin.check(
      conninfo: configuration.conninfo, requiredSchema: configuration.requiredSchema)
    logger.info("service login checked", metadata: ["login": "\(login)"])
    let pool = DatabasePool(
      conninfo: configuration.conninfo, size: configuration.poolSize,
      returnPath: currentEventLoop)
    defer { pool.shutdown() }
    let app = Application(
      router: router(configuration, pool: pool, logger: logger),
      server: server,
      configuration: .init(
        address: .hostname(configuration.host, port: configuration.port),
        serverName: "mscreg"),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? configuration.port
        onListening("\(scheme)://\(configuration.host):\(port)")
      },
      logger: logger)
    try await app.runService()
  }

  /// Every route of the service (`openapi.yaml` lists the same, `OpenAPIContractTests`
  /// compares them).
  static func router(_ configuration: ServerConfiguration, pool: DatabasePool, logger: Logger)
    -> Router<RegistryRequestContext>
  {
    let router = Router(context: RegistryRequestContext.self)
    router.add(middleware: RequestLogMiddleware(logger: logger))
    let api = RegistryRoutes(
      pool: pool, sessions: SessionService(pool), configuration: configuration)
    api.register(on: router)
    return router
  }
}
