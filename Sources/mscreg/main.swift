import Foundation
import MSCRegCLI

// The entry point: parse, run one command in the process's own surroundings, exit with the
// status of SPEC §5.
exit(RegistryCLI.run(Array(CommandLine.arguments.dropFirst()), context: .process))
