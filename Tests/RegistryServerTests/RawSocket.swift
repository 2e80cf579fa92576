import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP connection to the server on loopback, for what URLSession does not do: hang up
/// before the response, or find out whether the server still accepts connections.
final class RawSocket {
  private var fd: Int32

  /// Connects to 127.0.0.1:`port`; nil when the connection is refused.
  init?(port: Int) {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      Glibc.close(fd)
      fd = -1
      return nil
    }
  }

  deinit { close() }

  /// Writes all of `text`.
  func send(_ text: String) throws {
    let bytes = Array(text.utf8)
    let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    guard sent == bytes.count else { throw ServerFailureForTest("send failed") }
  }

  /// Reads what has arrived, at most `limit` bytes (waiting for the first); empty when the
  /// server closed the connection or the read failed.
  func receive(limit: Int = 4096) -> String {
    var buffer = [UInt8](repeating: 0, count: limit)
    let read = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    return String(decoding: buffer.prefix(max(0, read)), as: UTF8.self)
  }

  /// Closes the connection (once).
  func close() {
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
  }

  struct ServerFailureForTest: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
  }
}
