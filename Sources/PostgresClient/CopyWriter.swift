import CLibPQ
import Foundation

/// Sends rows to an open `COPY … FROM STDIN` in PostgreSQL's text format.
///
/// Values are escaped (backslash, tab, newline, carriage return); nil is written as `\N`.
/// Data is buffered and sent in chunks of about 64 KiB.
public struct CopyWriter {
  let conn: OpaquePointer
  private var buffer: [UInt8] = []

  init(conn: OpaquePointer) {
    self.conn = conn
    buffer.reserveCapacity(1 << 16)
  }

  /// Writes one row of values; nil is NULL.
  public mutating func write(row values: [String?]) throws {
    for (i, value) in values.enumerated() {
      if i > 0 { buffer.append(UInt8(ascii: "\t")) }
      guard let value else {
        buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        continue
      }
      for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "\\"): buffer.append(contentsOf: [92, 92])
        case UInt8(ascii: "\t"): buffer.append(contentsOf: [92, UInt8(ascii: "t")])
        case UInt8(ascii: "\n"): buffer.append(contentsOf: [92, UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): buffer.append(contentsOf: [92, UInt8(ascii: "r")])
        default: buffer.append(byte)
        }
      }
    }
    buffer.append(UInt8(ascii: "\n"))
    if buffer.count >= 1 << 16 { try flush() }
  }

  /// Writes one row of encodable values.
  public mutating func write(_ values: [any PostgresEncodable]) throws {
    try write(row: values.map { $0.postgresText })
  }

  /// Sends what is buffered.
  public mutating func flush() throws {
    guard !buffer.isEmpty else { return }
    let status = buffer.withUnsafeBufferPointer { bytes in
      bytes.withMemoryRebound(to: CChar.self) {
        PQputCopyData(conn, $0.baseAddress, Int32($0.count))
      }
    }
    buffer.removeAll(keepingCapacity: true)
    if status != 1 {
      throw PostgresError(
        sqlState: SQLState.connectionFailure,
        message: String(cString: PQerrorMessage(conn)).trimmingCharacters(
          in: .whitespacesAndNewlines))
    }
  }
}
