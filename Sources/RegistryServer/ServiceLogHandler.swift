import Foundation
import Logging
import RegistryDomain

/// The log handler of `mscreg serve`: one line per event on a file descriptor (standard
/// error), in the layout of swift-log's `StreamLogHandler`, with the time in UTC:
///
///     2026-12-03T21:45:07.412Z info mscreg.serve: duration_ms=1.2 method=GET request_id=… route=/patients/{study_id} status=200 user=coord_pan [RegistryServer] request
///
/// Written by hand because `StreamLogHandler` costs the service a lock and a file-system
/// call per request line: its timestamp comes from `localtime()`, which in glibc takes the
/// time-zone lock and checks `/etc/localtime` on every call, and its stream takes the
/// `FILE` lock and flushes. Here the time is computed from `clock_gettime` and the line goes
/// out in one `write(2)` (a line is shorter than `PIPE_BUF`, so lines from two threads never
/// interleave on a pipe), with no lock at all.
public struct ServiceLogHandler: LogHandler {
  /// Metadata logged with every event (the event's own metadata wins on equal keys).
  public var metadata: Logger.Metadata = [:]
  /// The least severe level logged.
  public var logLevel: Logger.Level = .info
  /// Metadata added to every event from the task or thread that logs it.
  public var metadataProvider: Logger.MetadataProvider?
  private let label: String
  private let descriptor: Int32

  /// A handler writing to `descriptor` (standard error by default).
  public init(
    label: String, descriptor: Int32 = STDERR_FILENO,
    metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
  ) {
    self.label = label
    self.descriptor = descriptor
    self.metadataProvider = metadataProvider
  }

  /// One metadata value.
  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  /// Writes the event's line.
  public func log(event: LogEvent) {
    var merged = metadata
    if let provided = metadataProvider?.get(), !provided.isEmpty {
      merged.merge(provided) { _, new in new }
    }
    if let explicit = event.metadata, !explicit.isEmpty {
      merged.merge(explicit) { _, new in new }
    }
    if let error = event.error {
      merged["error.message"] = "\(error)"
      merged["error.type"] = "\(String(reflecting: type(of: error)))"
    }
    var line = Self.timestamp(Self.now())
    line += " \(event.level) \(label):"
    for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
      line += " \(key)=\(value)"
    }
    line += " [\(event.source)] \(event.message)\n"
    Self.write(line, to: descriptor)
  }

  /// The current time: whole seconds since 1970 (UTC) and milliseconds.
  static func now() -> (seconds: Int, milliseconds: Int) {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return (Int(time.tv_sec), Int(time.tv_nsec) / 1_000_000)
  }

  /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
  static func timestamp(_ time: (seconds: Int, milliseconds: Int)) -> String {
    let days = time.seconds >= 0 ? time.seconds / 86_400 : (time.seconds - 86_399) / 86_400
    let second = time.seconds - days * 86_400
    var text = CalendarDate(dayNumber: days).description
    text += "T"
    for (value, separator) in [(second / 3600, ":"), (second / 60 % 60, ":"), (second % 60, ".")] {
      if value < 10 { text += "0" }
      text += "\(value)\(separator)"
    }
    let ms = time.milliseconds
    text += ms < 10 ? "00\(ms)Z" : ms < 100 ? "0\(ms)Z" : "\(ms)Z"
    return text
  }

  /// Writes all of `line` (retrying a partial write or an interrupted one); a failed write
  /// is dropped, as a log line has nowhere else to go.
  static func write(_ line: String, to descriptor: Int32) {
    var line = line
    line.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = Foundation.write(
          descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          return
        }
      }
    }
  }
}
