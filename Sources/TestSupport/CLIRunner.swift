import Foundation

/// What one run of the `mscreg` binary printed and returned.
public struct CLIResult: Sendable {
  /// Exit status.
  public let status: Int32
  /// Standard output.
  public let stdout: String
  /// Standard error.
  public let stderr: String
}

/// Runs the built `mscreg` binary, as a user would, against a test database.
public enum CLIRunner {
  /// The `mscreg` binary next to the running test bundle (`swift build` puts both there).
  public static var binary: URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("mscreg")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/mscreg")
  }

  /// Runs `mscreg` with arguments; `database` sets `MSCREG_DATABASE`; `stdin` is piped in.
  public static func run(
    _ arguments: [String], database: TestDatabase? = nil, environment: [String: String] = [:],
    stdin: String? = nil
  ) throws -> CLIResult {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["CI"] = "true"  // no progress output
    if let database { env["MSCREG_DATABASE"] = database.conninfo }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.currentDirectoryURL = TestDatabase.repositoryRoot
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes fully before waiting, so a large output cannot block the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}
