import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A new, empty folder under /tmp for one test (mkdtemp), readable by every user: a private
/// PostgreSQL cluster in it runs as the `postgres` user when the tests run as root.
public enum TemporaryFolder {
  /// Makes `/tmp/<prefix>-XXXXXX` (mode 0755) and returns its URL.
  public static func make(_ prefix: String) throws -> URL {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw TemporaryFolderError(prefix: prefix, errno: errno)
    }
    let path = String(cString: made)
    chmod(path, 0o755)
    return URL(fileURLWithPath: path)
  }

  /// mkdtemp failed.
  public struct TemporaryFolderError: Error, CustomStringConvertible {
    /// The folder's name before its random part.
    public let prefix: String
    /// mkdtemp's errno.
    public let errno: Int32
    public var description: String { "mkdtemp /tmp/\(prefix)-XXXXXX failed: errno \(errno)" }
  }
}
