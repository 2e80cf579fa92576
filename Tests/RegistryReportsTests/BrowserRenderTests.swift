import Foundation
import RegistryDomain
import Testing

@testable import RegistryReports

/// Debian's headless Chromium, when installed.
enum Chromium {
  /// The browser's path: the first of `chromium`, `chromium-browser` on PATH.
  static let path: String? = {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
      .split(separator: ":").map(String.init)
    for name in ["chromium", "chromium-browser"] {
      for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)")
      {
        return "\(folder)/\(name)"
      }
    }
    return nil
  }()

  /// CI installs Chromium, so there a missing browser is a failure, not a skip.
  static let required = ProcessInfo.processInfo.environment["CI"] != nil

  /// Runs the browser headless on `page` with `arguments`, in a profile of its own under
  /// `folder`, killed after two minutes; returns its standard output.
  static func run(_ browser: String, page: URL, _ arguments: [String], in folder: URL) throws
    -> String
  {
    let output = folder.appendingPathComponent("stdout-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    defer { try? handle.close() }
    let process = Process()
    let timeout = "/usr/bin/timeout"
    let command =
      [
        browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
        "--user-data-dir=\(folder.appendingPathComponent("profile-\(UUID().uuidString)").path)",
      ] + arguments + [page.absoluteString]
    if FileManager.default.isExecutableFile(atPath: timeout) {
      process.executableURL = URL(fileURLWithPath: timeout)
      process.arguments = ["120"] + command
    } else {
      process.executableURL = URL(fileURLWithPath: browser)
      process.arguments = Array(command.dropFirst())
    }
    process.standardOutput = handle
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "chromium exited with \(process.terminationStatus)")
    return try String(contentsOf: output, encoding: .utf8)
  }
}

/// Width, height and compressed image-data size of a PNG file, read from its chunks.
struct PNGSummary {
  var width = 0
  var height = 0
  var imageDataBytes = 0

  init(_ data: Data) throws {
    let bytes = [UInt8](data)
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    try #require(bytes.count > 33 && Array(bytes[0..<8]) == signature, "not a PNG file")
    func u32(_ i: Int) -> Int { bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
    var i = 8
    while i + 8 <= bytes.count {
      let length = u32(i)
      let type = String(decoding: bytes[i + 4..<i + 8], as: UTF8.self)
      if type == "IHDR" {
        width = u32(i + 8)
        height = u32(i + 12)
      }
      if type == "IDAT" { imageDataBytes += length }
      if type == "IEND" { break }
      i += 12 + length
    }
  }
}

@Suite(
  .enabled(
    if: Chromium.path != nil || Chromium.required,
    "chromium is not on PATH: install Debian's chromium to run the real-browser checks"))
struct BrowserRenderTests {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("mscreg-html-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  func write(_ html: String, _ name: String) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try html.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  @Test func browserBuildsEveryElementOfThePage() throws {
    let browser = try #require(Chromium.path, "CI is set but chromium is not on PATH")
    defer { try? FileManager.default.removeItem(at: folder) }
    let hostile = "<script>document.title='pwned'</script>"
    let reports = [
      ("aclf.html", try ReportFixtures.aclf()),
      ("sle.html", try ReportFixtures.sle(minCell: 5, hostileLabel: hostile)),
    ]
    var doms: [String: String] = [:]
    for (name, report) in reports {
      let html = CohortReportHTML.render(report)
      let dom = try Chromium.run(browser, page: try write(html, name), ["--dump-dom"], in: folder)
      try #require(dom.contains("</html>"), "no DOM from chromium for \(name)")
      doms[name] = dom
      for heading in [
        "Participant flow (CONSORT)", "Kaplan–Meier survival free of", "Adverse events",
        "Number at risk", "Assessed for eligibility",
      ] {
        #expect(dom.contains(heading), "\(name): page lacks \(heading)")
      }
      // The browser built exactly the elements the renderer wrote: nothing swallowed by a
      // parse error, no stray element from an unescaped label.
      for tag in [
        "<svg", "<path", "<polygon", "<circle", "<rect", "<line", "<text", "<table", "<tr",
        "<section", "<h2",
      ] {
        #expect(
          occurrences(tag, in: dom) == occurrences(tag, in: html),
          "\(name): \(tag) count \(occurrences(tag, in: dom)) in the DOM, \(occurrences(tag, in: html)) written"
        )
      }
      #expect(occurrences("<script", in: dom) == 0, "\(name): a script element was built")
      #expect(occurrences("class=\"km-curve\"", in: dom) >= 1)
      #expect(occurrences("class=\"km-band\"", in: dom) >= 1)
      #expect(occurrences("class=\"estimate\"", in: dom) >= 2)
      #expect(occurrences("class=\"ae-grade\"", in: dom) >= 2)
    }
    // The hostile site label is text on the page.
    #expect(
      doms["sle.html"]?.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;") == true)
  }

  @Test func screenshotShowsThePage() throws {
    let browser = try #require(Chromium.path, "CI is set but chromium is not on PATH")
    defer { try? FileManager.default.removeItem(at: folder) }
    let page = try write(CohortReportHTML.render(try ReportFixtures.aclf()), "report.html")
    let blank = try write("<!DOCTYPE html><html><body></body></html>", "blank.html")
    func shoot(_ url: URL, _ name: String) throws -> PNGSummary {
      let png = folder.appendingPathComponent(name)
      _ = try Chromium.run(
        browser, page: url, ["--screenshot=\(png.path)", "--window-size=1200,2000"], in: folder)
      return try PNGSummary(Data(contentsOf: png))
    }
    let shot = try shoot(page, "report.png")
    let empty = try shoot(blank, "blank.png")
    #expect(shot.width == 1200 && shot.height == 2000, "\(shot)")
    // A blank page compresses to almost nothing; charts, text and tables do not.
    #expect(shot.imageDataBytes > 20_000, "\(shot)")
    #expect(shot.imageDataBytes > 8 * max(empty.imageDataBytes, 1), "\(shot) vs blank \(empty)")
  }
}
