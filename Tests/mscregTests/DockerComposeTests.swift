import Foundation
import TestSupport
import Testing
import Yams

/// docker-compose.yml and the Dockerfile it builds, checked without a Docker engine: the
/// services and commands the README documents, no published port, libpq in the image at run
/// time. Where the `docker compose` plugin is installed, `docker compose config` must accept
/// the file too.
@Suite(.blocking) struct DockerComposeTests {
  static let root = TestDatabase.repositoryRoot

  static func compose() throws -> [String: Any] {
    let text = try String(
      contentsOf: root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
    return try #require(try Yams.load(yaml: text) as? [String: Any])
  }

  @Test func servicesCommandsAndPortsAreAsDocumented() throws {
    let file = try Self.compose()
    let services = try #require(file["services"] as? [String: Any])
    #expect(Set(services.keys).isSuperset(of: ["db", "registry"]))

    // No service of the default profile publishes a port: nothing clashes with a PostgreSQL
    // on the host. The HTTP service (profile serve) publishes its port on the host's
    // loopback only, and is healthy when GET /healthz answers.
    for (name, value) in services where name != "serve" {
      let service = try #require(value as? [String: Any], "\(name)")
      #expect(service["ports"] == nil, "\(name) publishes a port")
    }
    let serve = try #require(services["serve"] as? [String: Any])
    #expect(serve["profiles"] as? [String] == ["serve"])
    #expect(serve["ports"] as? [String] == ["127.0.0.1:8080:8080"])
    #expect(serve["command"] as? [String] == ["serve", "--listen", "0.0.0.0:8080"])
    let health = try #require(serve["healthcheck"] as? [String: Any])
    let probe = try #require(health["test"] as? [String])
    #expect(probe == ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/healthz"], "\(probe)")
    for key in ["interval", "timeout", "retries"] { #expect(health[key] != nil, "\(key)") }
    // The probe's program is in the image's run stage (Debian slim has no curl of its own).
    #expect(try Self.runStagePackages().contains(probe[1]), "\(probe[1]) is not installed")
    // The image's own migration step runs first; serve reaches `db` as a service login.
    #expect(serve["image"] as? String == "mscreg:local")
    let serveEnv = try #require(serve["environment"] as? [String: Any])
    let serveURL = try #require(serveEnv["MSCREG_DATABASE"] as? String)
    #expect(serveURL.hasPrefix("postgresql://") && serveURL.contains("@db:5432/"), "\(serveURL)")
    // Its command is `mscreg serve` with flags that `mscreg serve --help` documents, and the
    // address it listens on is the one the port and the probe reach.
    let serveCommand = try #require(serve["command"] as? [String])
    #expect(serveCommand.first == "serve")
    let serveHelp = try CLIRunner.run(["serve", "--help"])
    #expect(serveHelp.status == 0, "\(serveHelp.stderr)")
    for flag in serveCommand where flag.hasPrefix("-") {
      #expect(serveHelp.stdout.contains(flag), "mscreg serve --help has no \(flag)")
    }
    let listen = serveCommand.firstIndex(of: "--listen").map { serveCommand[$0 + 1] }
    #expect(listen?.hasSuffix(":8080") == true, "\(serveCommand)")

    let db = try #require(services["db"] as? [String: Any])
    #expect((db["image"] as? String)?.hasPrefix("postgres:15") == true)
    let dbEnv = try #require(db["environment"] as? [String: Any])
    #expect(db["healthcheck"] != nil)

    // The registry is built from this checkout's Dockerfile and reaches `db` with its login.
    let registry = try #require(services["registry"] as? [String: Any])
    #expect(registry["build"] as? String == ".")
    let env = try #require(registry["environment"] as? [String: Any])
    let url = try #require(env["MSCREG_DATABASE"] as? String)
    let user = try #require(dbEnv["POSTGRES_USER"] as? String)
    let password = try #require(dbEnv["POSTGRES_PASSWORD"] as? String)
    let database = try #require(dbEnv["POSTGRES_DB"] as? String)
    #expect(url == "postgresql://\(user):\(password)@db:5432/\(database)")
    let dependsOn = try #require(registry["depends_on"] as? [String: Any])
    let onDB = try #require(dependsOn["db"] as? [String: Any])
    #expect(onDB["condition"] as? String == "service_healthy")

    // Its command is arguments of the image's entry point, `mscreg`: a command that exists.
    let command = try #require(registry["command"] as? [String])
    #expect(command == ["db", "migrate"])
    let help = try CLIRunner.run(command + ["--help"])
    #expect(help.status == 0, "mscreg \(command.joined(separator: " ")) --help: \(help.stderr)")
  }

  /// The Debian packages the Dockerfile's run stage (its last `FROM`) installs.
  static func runStagePackages() throws -> Set<String> {
    let text = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
    let run = try #require(text.components(separatedBy: "\nFROM ").last)
    let install = try #require(run.components(separatedBy: "apt-get install").dropFirst().first)
    let command = install.components(separatedBy: "&&").first ?? ""
    return Set(
      command.replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: \.isWhitespace)
        .map(String.init).filter { !$0.hasPrefix("-") })
  }

  @Test func theImageHasLibpqAtRunTime() throws {
    let text = try String(
      contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
    // What precedes the first FROM is the file's comment.
    let stages = Array(text.components(separatedBy: "\nFROM ").dropFirst())
    #expect(stages.count == 2, "a build stage and a run stage")
    let build = try #require(stages.first)
    let run = try #require(stages.last)
    #expect(build.contains("libpq-dev") && build.contains("pkg-config"))
    #expect(build.contains("swift build -c release --product mscreg"))
    #expect(run.contains("libpq5"), "libpq at run time")
    #expect(try Self.runStagePackages().isSuperset(of: ["libpq5", "ca-certificates", "curl"]))
    // The build stage is a Swift 6 toolchain; the run stage a slim Debian.
    #expect(text.contains("FROM swift:6."), "a swift:6.x build stage")
    #expect(run.hasPrefix("debian:") && run.contains("-slim"), "\(run.prefix(40))")
    #expect(run.contains(#"ENTRYPOINT ["mscreg"]"#))
    #expect(run.contains("COPY sql/migrations sql/migrations"))
    #expect(run.contains("COPY config/protocols config/protocols"))
    // Every file the image copies exists in the checkout.
    for line in text.split(separator: "\n")
    where line.hasPrefix("COPY ") && !line.contains("--from") {
      let source = String(line.split(separator: " ")[1])
      #expect(
        FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(source).path),
        "\(line)")
    }
  }

  @Test func dockerComposeAcceptsTheFileWhereItIsInstalled() throws {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["docker", "compose", "version"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return }
    probe.waitUntilExit()
    // Without the compose plugin (a bare Docker client) the checks above stand alone.
    guard probe.terminationStatus == 0 else { return }
    let config = Process()
    config.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    config.arguments = ["docker", "compose", "-f", "docker-compose.yml", "config", "--quiet"]
    config.currentDirectoryURL = Self.root
    let err = Pipe()
    config.standardError = err
    config.standardOutput = FileHandle.nullDevice
    try config.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    config.waitUntilExit()
    #expect(config.terminationStatus == 0, "docker compose config: \(message)")
  }
}
