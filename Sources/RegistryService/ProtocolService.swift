import Foundation
import RegistryDomain
import RegistryProtocolYAML
import RegistryStore

/// Use cases for trial protocols: load a YAML file, list, show.
public struct ProtocolService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Validates a protocol file as a whole and stores it.
  ///
  /// The same file under the same code and version again is a no-op (`.unchanged`); a
  /// different file under a loaded version is refused (exit 65): a version is immutable. A
  /// file with problems is refused with every problem listed (`details`), and nothing is
  /// loaded. A missing file is `.notFound` (exit 66).
  public func load(file: URL) throws -> ProtocolLoadOutcome {
    guard let data = FileManager.default.contents(atPath: file.path) else {
      throw RegistryError.notFound("file", "no protocol file at \(file.path)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw RegistryError.refused("file", "\(file.lastPathComponent) is not UTF-8 text")
    }
    return try load(yaml: text, name: file.lastPathComponent)
  }

  /// Validates and stores protocol text (see `load(file:)`); `name` appears in messages.
  public func load(yaml text: String, name: String) throws -> ProtocolLoadOutcome {
    let trial: TrialProtocol
    do {
      trial = try TrialProtocol(yaml: text)
    } catch {
      throw RegistryError.refused(
        "protocol_definition",
        "\(name) is not a valid protocol (\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")); nothing was loaded",
        details: error.problems)
    }
    guard let json = TrialProtocol.definitionJSON(yaml: text) else {
      throw RegistryError.refused(
        "protocol_definition", "\(name) cannot be represented as JSON")
    }
    let store = try database.open()
    return try store.transaction(reason: "protocol load \(name)") {
      let protocols = ProtocolRepository(store)
      if let stored = try protocols.storedChecksum(code: trial.code, version: trial.version) {
        if stored == (try protocols.checksum(of: text)) {
          return .unchanged(code: trial.code, version: trial.version)
        }
        throw RegistryError.conflict(
          "version",
          "protocol \(trial.code) version \(trial.version) is already loaded with different content; a loaded version is immutable, so give the changed file a new version"
        )
      }
      if let other = try protocols.codeUsingPrefix(trial.studyIDPrefix, except: trial.code) {
        throw RegistryError.conflict(
          "study_id_prefix",
          "prefix \(trial.studyIDPrefix) already belongs to protocol \(other); study IDs must stay unique"
        )
      }
      _ = try protocols.insert(trial, source: text, definitionJSON: json)
      return .loaded(code: trial.code, version: trial.version)
    }
  }

  /// Every loaded protocol version.
  public func list() throws -> [ProtocolSummary] {
    let store = try database.open()
    return try store.read { try ProtocolRepository(store).summaries() }
  }

  /// A protocol by code (latest version unless `version` is given); `.notFound` when missing.
  public func show(code: String, version: Int? = nil) throws -> ProtocolRecord {
    let store = try database.open()
    return try store.read {
      guard let record = try ProtocolRepository(store).find(code: code, version: version) else {
        let which = version.map { " version \($0)" } ?? ""
        throw RegistryError.notFound("code", "no protocol \(code)\(which) is loaded")
      }
      return record
    }
  }
}
