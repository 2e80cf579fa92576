import Foundation
import RegistryService

/// Where one run of the command line writes: standard output or standard error of the process,
/// or a buffer (an in-process run whose output is captured).
public final class OutputSink: @unchecked Sendable {
  private let lock = NSLock()
  private var buffer = Data()
  private let handle: FileHandle?

  /// A sink that writes straight to `handle` (the process's standard output or error).
  public init(writingTo handle: FileHandle) { self.handle = handle }

  /// A sink that keeps what is written; read it with `text`.
  public init() { self.handle = nil }

  /// Appends bytes.
  public func write(_ data: Data) {
    if let handle {
      handle.write(data)
      return
    }
    lock.lock()
    buffer.append(data)
    lock.unlock()
  }

  /// Appends text.
  public func write(_ text: String) { write(Data(text.utf8)) }

  /// Everything written so far (empty for a sink that writes to a file handle).
  public var text: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: buffer, as: UTF8.self)
  }
}

/// Everything one run of `mscreg` takes from its surroundings: its environment, standard input,
/// working directory and where its output goes.
///
/// Commands read these through `CommandContext.current` (a task-local value), never through
/// `ProcessInfo`, `FileHandle.standardOutput` or the process's working directory, so that
/// several runs can go on at once in one process (the test suite runs the command line in
/// process), each with its own environment and captured output.
public struct CommandContext: Sendable {
  /// The environment variables the run sees (`MSCREG_DATABASE`, `MSCREG_MIGRATIONS`, `CI`,
  /// `COLUMNS`, libpq's `PG*`).
  public var environment: [String: String]
  /// Standard output.
  public var standardOutput: OutputSink
  /// Standard error.
  public var standardError: OutputSink
  /// Reads standard input to its end (nil: the run has no standard input).
  public var readStandardInput: @Sendable () -> Data
  /// The folder relative paths are resolved against.
  public var currentDirectory: URL
  /// True when standard error is a terminal (progress lines are shown only then).
  public var standardErrorIsTerminal: Bool
  /// The path of the running executable (used to find `sql/migrations` beside a checkout).
  public var executablePath: String

  /// A context for an explicit run; output is captured unless sinks are given.
  public init(
    environment: [String: String], standardOutput: OutputSink = OutputSink(),
    standardError: OutputSink = OutputSink(), standardInput: Data = Data(),
    currentDirectory: URL, executablePath: String = SchemaService.runningExecutable()
  ) {
    self.environment = environment
    self.standardOutput = standardOutput
    self.standardError = standardError
    self.readStandardInput = { standardInput }
    self.currentDirectory = currentDirectory
    self.standardErrorIsTerminal = false
    self.executablePath = executablePath
  }

  /// The process's own surroundings: its environment, standard streams and working directory.
  public static var process: CommandContext {
    var context = CommandContext(
      environment: ProcessInfo.processInfo.environment,
      standardOutput: OutputSink(writingTo: .standardOutput),
      standardError: OutputSink(writingTo: .standardError),
      currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    context.readStandardInput = { FileHandle.standardInput.readDataToEndOfFile() }
    context.standardErrorIsTerminal = isatty(STDERR_FILENO) == 1
    return context
  }

  /// The context of the run in progress (the process's own outside any run).
  @TaskLocal public static var current: CommandContext = .process

  /// `path` as a file URL, relative paths resolved against `currentDirectory`.
  func url(forPath path: String, isDirectory: Bool = false) -> URL {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path, isDirectory: isDirectory) }
    return currentDirectory.appendingPathComponent(path, isDirectory: isDirectory)
      .standardizedFileURL
  }

  /// The width help is wrapped to: `COLUMNS` of this run when it differs from the process's
  /// (nil: let the argument parser ask the terminal).
  var helpColumns: Int? {
    guard let text = environment["COLUMNS"], let columns = Int(text), columns > 0 else {
      return nil
    }
    return columns
  }

  /// The libpq connection string for `conninfo`, with the `PG*` variables of this run that
  /// differ from the process's own added as explicit settings (libpq reads only the process's
  /// environment).
  /// A malformed `conninfo` is returned as it is, for libpq to refuse when connecting.
  func conninfo(_ conninfo: String) -> String {
    let processEnvironment = ProcessInfo.processInfo.environment
    let overrides = environment.filter { name, value in
      name.hasPrefix("PG") && processEnvironment[name] != value
    }
    return RegistryDatabase.conninfo(conninfo, applying: overrides)
  }
}

/// Writes to the run's standard output (`CommandContext.current`), like `Swift.print`.
///
/// Every command of this module prints through this function, which shadows `Swift.print`
/// here, so that no output escapes the run's sink.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  CommandContext.current.standardOutput.write(
    items.map { "\($0)" }.joined(separator: separator) + terminator)
}

extension CommandContext {
  /// `sql/migrations` as this run finds it: `MSCREG_MIGRATIONS`, else `sql/migrations` in the
  /// working directory, else the nearest one above the executable.
  var defaultMigrationsFolder: URL {
    SchemaService.defaultMigrationsFolder(
      environment: environment, currentDirectory: currentDirectory, executable: executablePath)
  }
}
