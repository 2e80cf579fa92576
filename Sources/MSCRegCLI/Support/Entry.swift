import ArgumentParser
import Foundation
import RegistryDomain

/// The command line as a library: parses the arguments, runs one command and turns every
/// failure into one `error:` line and an exit status.
///
/// Exit statuses (SPEC §5): 0 success, 64 usage, 65 refused input or rule, 66 unknown name,
/// 69 database unreachable, 70 internal error, 77 permission denied.
public enum RegistryCLI {
  /// Runs `mscreg` with `arguments` (without the program name) in `context` and returns its
  /// exit status. Everything the run prints goes to the context's sinks; nothing here exits
  /// the process, so that runs can go on concurrently in one process.
  public static func run(_ arguments: [String], context: CommandContext) -> Int32 {
    CommandContext.$current.withValue(context) { runInContext(arguments) }
  }

  static func runInContext(_ arguments: [String]) -> Int32 {
    let context = CommandContext.current
    var parsed: (any ParsableCommand)?
    do {
      // The input rule of every text (InputText), once for every argument of every command.
      try InputText.checkArguments(arguments)
      var command = try MSCReg.parseAsRoot(arguments)
      parsed = command
      try command.run()
      return 0
    } catch let error as RegistryError {
      return fail(error, command: parsed)
    } catch let error as ExitCode {
      return error.rawValue
    } catch {
      let code = MSCReg.exitCode(for: error)
      if code == .success {
        // --help, --version, completion scripts.
        let text = MSCReg.fullMessage(for: error, columns: context.helpColumns)
        if !text.isEmpty { context.standardOutput.write(text + "\n") }
        return 0
      }
      let text =
        MSCReg.message(for: error)
        .replacingOccurrences(of: "Error: ", with: "")
        .split(separator: "\n").first.map(String.init) ?? "\(error)"
      if code == .validationFailure {
        printError("error: \(text) (see mscreg --help)")
        return 64
      }
      printError("error: internal: \(text)")
      return 70
    }
  }

  /// Prints `error` as one `error:` line (and its details), its field spelled as `command`'s
  /// command line names it, and returns its exit status.
  static func fail(_ error: RegistryError, command: (any ParsableCommand)? = nil) -> Int32 {
    let error = FieldSpelling.commandLine(for: command).spelled(error)
    printError("error: \(error.description)")
    for line in error.details { printError("  \(line)") }
    return error.exitStatus
  }

  static func printError(_ line: String) {
    CommandContext.current.standardError.write(line + "\n")
  }
}
