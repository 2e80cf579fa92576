import ArgumentParser
import Foundation
import RegistryDomain

/// Runs the command line and turns every failure into one `error:` line and an exit status.
///
/// Exit statuses (SPEC §5): 0 success, 64 usage, 65 refused input or rule, 66 unknown name,
/// 69 database unreachable, 70 internal error, 77 permission denied.
enum Entry {
  static func run(_ arguments: [String]? = nil) -> Never {
    do {
      let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
      // The input rule of every text (InputText), once for every argument of every command.
      try InputText.checkArguments(arguments)
      var command = try MSCReg.parseAsRoot(placingDatabaseLast(arguments))
      try command.run()
      exit(0)
    } catch let error as RegistryError {
      fail(error)
    } catch let error as ExitCode {
      exit(error.rawValue)
    } catch {
      let code = MSCReg.exitCode(for: error)
      if code == .success {
        // --help, --version: ArgumentParser prints them itself.
        MSCReg.exit(withError: error)
      }
      let text =
        MSCReg.message(for: error)
        .replacingOccurrences(of: "Error: ", with: "")
        .split(separator: "\n").first.map(String.init) ?? "\(error)"
      if code == .validationFailure {
        printError("error: \(text) (see mscreg --help)")
        exit(64)
      }
      printError("error: internal: \(text)")
      exit(70)
    }
  }

  /// `--database X` is accepted before the subcommand too (`mscreg --database X site list`):
  /// it is moved to the end, where the leaf command's option group reads it.
  static func placingDatabaseLast(_ arguments: [String]) -> [String] {
    var rest: [String] = []
    var moved: [String] = []
    var i = 0
    while i < arguments.count {
      let a = arguments[i]
      if a == "--" {
        rest.append(contentsOf: arguments[i...])
        break
      }
      if a == "--database", i + 1 < arguments.count {
        moved += [a, arguments[i + 1]]
        i += 2
        continue
      }
      if a.hasPrefix("--database=") {
        moved.append(a)
      } else {
        rest.append(a)
      }
      i += 1
    }
    if let dash = rest.firstIndex(of: "--") {
      rest.insert(contentsOf: moved, at: dash)
      return rest
    }
    return rest + moved
  }

  static func fail(_ error: RegistryError) -> Never {
    printError("error: \(error.description)")
    for line in error.details { printError("  \(line)") }
    exit(error.exitStatus)
  }

  static func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}
