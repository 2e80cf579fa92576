import Foundation
import RegistryDomain
import Yams

extension TrialProtocol {
  /// The protocol file's content as JSON text (keys sorted), for storing beside the YAML.
  ///
  /// Returns nil when the YAML cannot be read (validate with `init(yaml:)` first).
  public static func definitionJSON(yaml: String) -> String? {
    guard let value = try? Yams.load(yaml: yaml), let object = jsonCompatible(value),
      JSONSerialization.isValidJSONObject(object),
      let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  private static func jsonCompatible(_ value: Any) -> Any? {
    switch value {
    case let map as [AnyHashable: Any]:
      var out: [String: Any] = [:]
      for (k, v) in map {
        guard let child = jsonCompatible(v) else { return nil }
        out["\(k)"] = child
      }
      return out
    case let list as [Any]:
      let mapped = list.compactMap(jsonCompatible)
      return mapped.count == list.count ? mapped : nil
    case let d as Double: return d.isFinite ? d : nil
    case is Int, is Bool, is String: return value
    case is NSNull: return NSNull()
    default: return "\(value)"
    }
  }
}
