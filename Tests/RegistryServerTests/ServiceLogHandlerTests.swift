import Foundation
import Logging
import Testing

@testable import RegistryServer

/// `mscreg serve`'s log handler: the line's layout, its UTC time and its one write per line.
/// (The request log's fields, and that it holds no identifier, are checked on a live server in
/// `ServiceLifecycleTests`.)
@Suite struct ServiceLogHandlerTests {
  /// The lines written to a pipe by `body`'s logging.
  static func lines(_ body: (inout Logger) -> Void) throws -> [String] {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    var logger = Logger(label: "mscreg.test") { label in
      ServiceLogHandler(label: label, descriptor: ends[1], metadataProvider: nil)
    }
    body(&logger)
    close(ends[1])
    let reader = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
    let text = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  @Test func aLineHasStreamLogHandlersLayoutWithSortedMetadataAndUTCTime() throws {
    let before = Date()
    let lines = try Self.lines { logger in
      logger.logLevel = .info
      logger[metadataKey: "zone"] = "handler"
      logger.debug("not written")
      logger.info(
        "request", metadata: ["status": "200", "route": "/patients/{study_id}", "zone": "event"],
        source: "RegistryServer")
      logger.error("failed", error: CocoaError(.fileNoSuchFile), source: "Test")
    }
    let after = Date()
    #expect(lines.count == 3 && lines[2] == "", "\(lines)")
    let first = lines[0]
    let stamp = String(first.prefix(24))
    #expect(
      first.dropFirst(24)
        == " info mscreg.test: route=/patients/{study_id} status=200 zone=event"
        + " [RegistryServer] request", "\(first)")
    let parser = ISO8601DateFormatter()
    parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let when = try #require(parser.date(from: stamp), "\(stamp)")
    #expect(when >= before.addingTimeInterval(-0.002) && when <= after.addingTimeInterval(0.002))
    #expect(lines[1].contains(" error mscreg.test: error.message="), "\(lines[1])")
    #expect(lines[1].contains(" zone=handler [Test] failed"), "\(lines[1])")
  }

  @Test func timestampsAreUTCWithMilliseconds() {
    #expect(ServiceLogHandler.timestamp((0, 0)) == "1970-01-01T00:00:00.000Z")
    #expect(ServiceLogHandler.timestamp((-1, 999)) == "1969-12-31T23:59:59.999Z")
    #expect(ServiceLogHandler.timestamp((951_825_599, 7)) == "2000-02-29T11:59:59.007Z")
    #expect(ServiceLogHandler.timestamp((1_796_333_107, 42)) == "2026-12-03T21:25:07.042Z")
    // Against Foundation's formatter for a spread of instants.
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    for seconds in stride(from: -86_400 * 800, through: 86_400 * 40_000, by: 7_919_513) {
      let text = ServiceLogHandler.timestamp((seconds, 250))
      #expect(
        text == formatter.string(from: Date(timeIntervalSince1970: Double(seconds) + 0.25)),
        "\(seconds)")
    }
  }
}
