import Foundation
import MSCRegCLI
import PostgresClient

/// What one run of `mscreg` printed and returned.
public struct CLIResult: Sendable {
  /// Exit status.
  public let status: Int32
  /// Standard output.
  public let stdout: String
  /// Standard error.
  public let stderr: String
}

/// Runs `mscreg` against a test database: in process by default (`run`), or as the built
/// binary in a child process (`runBinary`) where the process itself is what is tested.
///
/// Both take the same arguments and give the same `CLIResult`. An in-process run parses and
/// runs the command in this process with its own environment, standard input, working
/// directory and captured output (`CommandContext`), so runs may go on concurrently and the
/// test process's environment is never changed.
public enum CLIRunner {
  /// The `mscreg` binary next to the running test bundle (`swift build` puts both there).
  public static var binary: URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("mscreg")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/mscreg")
  }

  /// The environment of a run: this process's, with `CI=true` (no progress output),
  /// `MSCREG_DATABASE` for `database`, then `environment`.
  static func environment(database: TestDatabase?, _ extra: [String: String]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["CI"] = "true"
    if let database { env["MSCREG_DATABASE"] = database.conninfo }
    for (k, v) in extra { env[k] = v }
    return env
  }

  /// Runs `mscreg` with arguments in this process; `database` sets `MSCREG_DATABASE`,
  /// `environment` adds or replaces variables of the run (not of this process), `stdin` is
  /// its standard input. The working directory is the repository's root. Its sessions are
  /// taken from and given back to `ConnectionReuse.shared` (a reset session of the same login,
  /// checked that it may still log in); `runBinary` always opens new ones.
  public static func run(
    _ arguments: [String], database: TestDatabase? = nil, environment: [String: String] = [:],
    stdin: String? = nil
  ) throws -> CLIResult {
    let context = CommandContext(
      environment: Self.environment(database: database, environment),
      standardInput: Data((stdin ?? "").utf8), currentDirectory: TestDatabase.repositoryRoot,
      executablePath: binary.path)
    // Sessions are used again across runs (`ConnectionReuse`): a run is not about its login.
    let status = ConnectionReuse.$active.withValue(.shared) {
      RegistryCLI.run(arguments, context: context)
    }
    return CLIResult(
      status: status, stdout: context.standardOutput.text, stderr: context.standardError.text)
  }

  /// Runs the built `mscreg` binary in a child process, as a user would; same parameters as
  /// `run`. Use it only where the process is the point: exit statuses of the real binary,
  /// piping, signals, concurrent processes.
  public static func runBinary(
    _ arguments: [String], database: TestDatabase? = nil, environment: [String: String] = [:],
    stdin: String? = nil
  ) throws -> CLIResult {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = Self.environment(database: database, environment)
    process.currentDirectoryURL = TestDatabase.repositoryRoot
    let result = try ProgramRun.run(process, stdin: stdin)
    return CLIResult(status: result.status, stdout: result.stdout, stderr: result.stderr)
  }
}
