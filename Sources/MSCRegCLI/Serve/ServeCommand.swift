import ArgumentParser
import Foundation
import Logging
import RegistryDomain
import RegistryServer

/// `mscreg serve [--listen HOST:PORT] [--database CONNINFO] [--pool N] [--tls-certificate FILE
/// --tls-key FILE]`.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the registry's HTTP API (openapi.yaml) until SIGTERM or SIGINT.",
    discussion: """
      The database login must be a service user (mscreg user add NAME --role service \
      --password-stdin): it holds nothing itself, and each request runs under the role of \
      the registry user whose session token it carries (POST /session with that user's \
      password, which PostgreSQL itself checks). serve refuses to start when the login is a \
      superuser or inherits privileges, or when the database lets it in with a wrong \
      password. It prints `listening on http://HOST:PORT` once it accepts requests, and one \
      log line per request on standard error. On SIGTERM or SIGINT requests in flight \
      finish and no new ones start. With --tls-certificate and --tls-key it serves HTTPS \
      (TLS 1.2 and later) itself; behind a reverse proxy that terminates TLS, leave them out \
      and listen on 127.0.0.1 only.

      Examples:
        mscreg serve --listen 127.0.0.1:8080 --database "user=registry_api"
        mscreg serve --listen 0.0.0.0:8443 --pool 16 \\
          --tls-certificate /etc/mscreg/cert.pem --tls-key /etc/mscreg/key.pem
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "HOST:PORT"))
  var listen = "127.0.0.1:8080"
  @Option(help: "The most database sessions open at once (1–100).") var pool = 8
  @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain.", valueName: "FILE"))
  var tlsCertificate: String?
  @Option(help: ArgumentHelp("The PEM private key of --tls-certificate.", valueName: "FILE"))
  var tlsKey: String?

  func run() throws {
    let colon = listen.lastIndex(of: ":")
    guard let colon, let port = Int(listen[listen.index(after: colon)...]),
      (0...65535).contains(port),
      colon != listen.startIndex
    else {
      throw RegistryError(.usage, field: "--listen", "must be HOST:PORT, such as 127.0.0.1:8080")
    }
    guard (1...100).contains(pool) else {
      throw RegistryError(.usage, field: "--pool", "must be 1–100")
    }
    guard (tlsCertificate == nil) == (tlsKey == nil) else {
      throw RegistryError(
        .usage, field: tlsCertificate == nil ? "--tls-certificate" : "--tls-key",
        "--tls-certificate and --tls-key go together")
    }
    let context = CommandContext.current
    let migrations = context.defaultMigrationsFolder
    let root = migrations.deletingLastPathComponent()
    let document = [
      root.deletingLastPathComponent().appendingPathComponent("openapi.yaml"),
      root.appendingPathComponent("openapi.yaml"),
    ].first { FileManager.default.fileExists(atPath: $0.path) }
    var configuration = ServerConfiguration(
      host: String(listen[..<colon]), port: port, conninfo: global.registry.conninfo,
      poolSize: pool,
      openAPIDocument: document ?? root.appendingPathComponent("openapi.yaml"),
      requiredSchema: migrations)
    if let tlsCertificate, let tlsKey {
      configuration.tls = ServerTLS(
        certificateFile: context.url(forPath: tlsCertificate).path,
        keyFile: context.url(forPath: tlsKey).path)
    }
    var logger = Logger(label: "mscreg.serve") { label in ServiceLogHandler(label: label) }
    logger.logLevel = .info
    let outcome = OutcomeBox()
    let done = DispatchSemaphore(value: 0)
    let output = context.standardOutput
    RegistryServer.runTasksOnEventLoops()
    Task {
      do {
        try await RegistryServer.run(configuration, logger: logger) { address in
          output.write("listening on \(address)\n")
        }
      } catch {
        outcome.error = error
      }
      done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
  }
}

/// How the server's task ended, handed back to the waiting command.
private final class OutcomeBox: @unchecked Sendable {
  var error: (any Error)?
}
