import ArgumentParser
import Foundation
import RegistryDomain
import RegistryService

/// `mscreg user password NAME`.
struct UserPassword: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "password",
    abstract: "Set a user's password (admins for anyone, every user for themself).",
    discussion: """
      Reads the new password from standard input (one line). Only its SCRAM-SHA-256 verifier, \
      computed here by libpq, reaches the server: the password is not stored, sent or logged. \
      The login then authenticates by it (the embedded database asks users with a password \
      for it by SCRAM), and may sign in to the registry service (POST /session).

      Examples:
        mscreg user password ana_perez < pw.txt
        printf '%s\\n' "$NEW_PASSWORD" | mscreg user password ana_perez
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "The user's login role name.") var name: String

  func run() throws {
    try UserService(global.registry).setPassword(
      name: name, password: try PasswordInput.fromStandardInput())
    print("password set for \(name)")
  }
}

/// A password given on standard input.
enum PasswordInput {
  /// The first line of standard input, without its line end; refused (exit 65) when empty or
  /// not UTF-8.
  static func fromStandardInput() throws -> String {
    let data = CommandContext.current.readStandardInput()
    guard let text = String(data: data, encoding: .utf8) else {
      throw RegistryError.refused("password", "standard input is not UTF-8 text")
    }
    let line =
      text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
      .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) } ?? ""
    if line.isEmpty {
      throw RegistryError.refused("password", "give the password on standard input (one line)")
    }
    return line
  }
}

extension UserPassword: PositionalFields {
  static var positionalFields: [String: String] { ["name": "NAME"] }
}
