import RegistryDomain
import RegistryStore

/// The de-identified export of a protocol's data (`mscreg export --deidentified`).
public struct ExportService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Every table of `DeidentifiedExport.layouts` for a protocol code, from one snapshot, with
  /// study IDs only, ages banded at 90, dates as days from enrollment and no free text.
  ///
  /// Never reads the `identity` schema. Unknown protocol: `.notFound` (exit 66).
  public func deidentified(protocolCode: String, excludeSynthetic: Bool = false) throws
    -> [DeidentifiedTable]
  {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      guard try ProtocolRepository(store).find(code: protocolCode) != nil else {
        throw RegistryError.notFound("--protocol", "no protocol \(protocolCode) is loaded")
      }
      let export = ExportRepository(store)
      return try DeidentifiedExport.layouts.map { layout in
        DeidentifiedTable(
          name: layout.name, header: layout.columns.map(\.name),
          rows: try export.rows(
            layout, protocolCode: protocolCode, excludeSynthetic: excludeSynthetic
          ).map {
            try DeidentifiedExport.row($0, layout: layout)
          })
      }
    }
  }
}
