import Foundation
import RegistryService
import TestSupport
import Testing

/// Issue 16, item 1: `mscreg serve --tls-certificate FILE --tls-key FILE` answers HTTPS
/// (swift-nio-ssl) on loopback, with a self-signed certificate made by the openssl CLI and
/// checked by curl against it; bad files stop `serve` before it listens.
@Suite(.blocking) struct TLSServeTests {
  /// Runs a program to completion; its status and standard output.
  static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String, String) {
    try ProgramRun.run(program: program, arguments)
  }

  /// A self-signed certificate for 127.0.0.1 and its key, in a new folder.
  static func certificate() throws -> (folder: URL, cert: String, key: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let cert = folder.appendingPathComponent("cert.pem").path
    let key = folder.appendingPathComponent("key.pem").path
    let (status, _, errors) = try run(
      "openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days",
        "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      ])
    #expect(status == 0, "openssl: \(errors)")
    return (folder, cert, key)
  }

  @Test func httpsOnLoopbackWithASelfSignedCertificate() throws {
    try TestDatabase.with { db in
      let (folder, cert, key) = try Self.certificate()
      defer { try? FileManager.default.removeItem(at: folder) }
      let s = try ServiceIdentityTests.Service(db)
      let coordinator = s.f.logins.coordinatorName("PAN")
      try UserService(s.f.registry).setPassword(
        name: coordinator, password: ServiceIdentityTests.password)
      let server = try ServerProcess(
        conninfo: s.conninfo, arguments: ["--tls-certificate", cert, "--tls-key", key])
      defer { server.stop() }
      #expect(server.baseURL.scheme == "https", "\(server.baseURL)")
      let base = server.baseURL.absoluteString

      // curl trusts only this certificate, and checks it names 127.0.0.1.
      let (health, body, errors) = try Self.run(
        "curl", ["-sS", "--fail", "--cacert", cert, base + "/healthz"])
      #expect(health == 0 && body == "ok\n", "\(errors)")
      let signIn = """
        {"user": "\(coordinator)", "password": "\(ServiceIdentityTests.password)"}
        """
      let (signed, session, signErrors) = try Self.run(
        "curl",
        [
          "-sS", "--fail", "--cacert", cert, "-H", "Content-Type: application/json", "-d",
          signIn, base + "/session",
        ])
      #expect(signed == 0, "\(signErrors)")
      let token = try #require(
        (try JSONSerialization.jsonObject(with: Data(session.utf8)) as? [String: Any])?["token"]
          as? String)
      let (listed, sites, _) = try Self.run(
        "curl",
        [
          "-sS", "--fail", "--cacert", cert, "-H", "Authorization: Bearer \(token)",
          base + "/sites",
        ])
      #expect(listed == 0 && sites.contains("\"PAN\""), "\(sites)")
      // Without the certificate curl refuses the peer; plain HTTP gets no HTTP answer.
      let (untrusted, _, _) = try Self.run("curl", ["-sS", base + "/healthz"])
      #expect(untrusted != 0)
      let plain = base.replacingOccurrences(of: "https://", with: "http://")
      let (cleartext, answer, _) = try Self.run(
        "curl",
        ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", plain + "/healthz"])
      #expect(cleartext != 0 || answer == "000", "\(answer)")
      #expect(server.stop() == 0)
    }
  }

  @Test func badCertificateFilesStopServeBeforeItListens() throws {
    try TestDatabase.with { db in
      let (folder, cert, key) = try Self.certificate()
      defer { try? FileManager.default.removeItem(at: folder) }
      let s = try ServiceIdentityTests.Service(db)
      let serve = ["serve", "--listen", "127.0.0.1:0", "--database", s.conninfo]
      let onlyOne = try CLIRunner.runBinary(serve + ["--tls-certificate", cert])
      #expect(onlyOne.status == 64 && onlyOne.stderr.hasPrefix("error: "), "\(onlyOne.stderr)")
      let swapped = try CLIRunner.runBinary(serve + ["--tls-certificate", key, "--tls-key", key])
      #expect(swapped.status == 65, "\(swapped.stderr)")
      #expect(swapped.stderr.hasPrefix("error: --tls-certificate"), "\(swapped.stderr)")
      let missing = try CLIRunner.runBinary(
        serve + ["--tls-certificate", cert, "--tls-key", folder.appendingPathComponent("no").path])
      #expect(missing.status == 65 && missing.stderr.contains("--tls-key"), "\(missing.stderr)")
      #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }
  }
}
