import Foundation

/// Runs a program to completion, as a test runs a tool (make, curl, a script).
public enum ProgramRun {
  /// Runs `executable` with `arguments` in `dir` (default: this process's folder), with this
  /// process's environment less `removing` and plus `environment`; returns its exit status and
  /// its standard output and standard error apart. Both pipes are read side by side, so that a
  /// program that writes much to one cannot block on the other.
  public static func run(
    _ executable: URL, _ arguments: [String], in dir: URL? = nil,
    environment: [String: String] = [:], removing: [String] = []
  ) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for name in removing { env[name] = nil }
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let dir { process.currentDirectoryURL = dir }
    return try run(process)
  }

  /// Runs a configured `process` (program, arguments, environment, folder) to completion with
  /// `stdin` as its standard input (none: empty); its exit status, standard output and
  /// standard error.
  public static func run(_ process: Process, stdin: String? = nil) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
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
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self),
      String(decoding: errData, as: UTF8.self)
    )
  }

  /// Runs `program` found on the PATH (through /usr/bin/env) with `arguments`.
  public static func run(program: String, _ arguments: [String]) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    try run(URL(fileURLWithPath: "/usr/bin/env"), [program] + arguments)
  }
}
