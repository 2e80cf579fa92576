import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// One HTTP response as a test sees it.
public struct HTTPResult: Sendable {
  /// The status code.
  public let status: Int
  /// Response headers, names lower-cased.
  public let headers: [String: String]
  /// The body's bytes.
  public let body: Data

  /// The body as UTF-8 text.
  public var text: String { String(decoding: body, as: UTF8.self) }

  /// The body as a JSON object (nil when it is not one).
  public var object: [String: Any]? {
    (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
  }
}

/// The built `mscreg serve` in a child process on a loopback port, and a synchronous HTTP
/// client for it: tests talk to the real server over real HTTP.
public final class ServerProcess: @unchecked Sendable {
  /// The server's base URL (`http://127.0.0.1:PORT`).
  public let baseURL: URL
  private let process: Process
  private let errors = Pipe()
  private let collected = LogCollector()

  /// Starts `mscreg serve --listen 127.0.0.1:0` with `conninfo` (the service login's) and
  /// waits until it listens. Throws when it exits first (its standard error in the message).
  public init(conninfo: String, arguments: [String] = [], environment: [String: String] = [:])
    throws
  {
    process = Process()
    process.executableURL = CLIRunner.binary
    process.arguments =
      ["serve", "--listen", "127.0.0.1:0", "--database", conninfo] + arguments
    var env = ProcessInfo.processInfo.environment
    env["CI"] = "true"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.currentDirectoryURL = TestDatabase.repositoryRoot
    let out = Pipe()
    process.standardOutput = out
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    DispatchQueue.global().async { [errors, collected] in
      let handle = errors.fileHandleForReading
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        collected.append(chunk)
      }
      collected.done.signal()
    }
    var line = Data()
    let reader = out.fileHandleForReading
    while true {
      let byte = reader.readData(ofLength: 1)
      if byte.isEmpty {
        process.waitUntilExit()
        collected.waitForEnd()
        throw ServerFailure(
          "mscreg serve exited with \(process.terminationStatus) before listening: "
            + collected.text)
      }
      if byte == Data("\n".utf8) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("listening on "), let url = URL(string: String(text.dropFirst(13))) {
          baseURL = url
          break
        }
        line = Data()
      } else {
        line.append(byte)
      }
    }
  }

  deinit { stop() }

  /// What the server wrote to standard error so far (its log lines).
  public var log: String { collected.text }

  /// Sends SIGTERM and waits for the server to exit; returns its exit status.
  @discardableResult
  public func stop() -> Int32 {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    return process.terminationStatus
  }

  /// The process id (for signals a test sends itself).
  public var pid: Int32 { process.processIdentifier }

  /// Waits for the server to exit by itself (after a signal the test sent with `kill(pid, …)`)
  /// and returns its exit status; `log` then holds everything it wrote.
  public func waitUntilExit() -> Int32 {
    process.waitUntilExit()
    collected.waitForEnd()
    return process.terminationStatus
  }

  /// Sends one request and waits for its response.
  public func request(
    _ method: String, _ path: String, json: Any? = nil, token: String? = nil,
    headers: [String: String] = [:], body: Data? = nil, timeout: TimeInterval = 60
  ) throws -> HTTPResult {
    var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
    request.httpMethod = method
    request.timeoutInterval = timeout
    if let json {
      request.httpBody = try JSONSerialization.data(withJSONObject: json)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    } else if let body {
      request.httpBody = body
    }
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var outcome: Result<HTTPResult, any Error> = .failure(
      ServerFailure("no response"))
    let task = URLSession.shared.dataTask(with: request) { data, response, error in
      if let error {
        outcome = .failure(error)
      } else if let http = response as? HTTPURLResponse {
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
          fields[String(describing: k).lowercased()] = String(describing: v)
        }
        outcome = .success(
          HTTPResult(status: http.statusCode, headers: fields, body: data ?? Data()))
      }
      done.signal()
    }
    task.resume()
    done.wait()
    return try outcome.get()
  }
}

/// What a child process writes to a pipe, gathered by a reader thread.
final class LogCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var data = Data()
  /// Signalled when the pipe is closed.
  let done = DispatchSemaphore(value: 0)

  func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
  /// Waits until the pipe is closed (any number of callers, any number of times).
  func waitForEnd() {
    done.wait()
    done.signal()
  }
  var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

/// A server that did not start or answer.
public struct ServerFailure: Error, CustomStringConvertible {
  /// What happened.
  public let description: String
  init(_ description: String) { self.description = description }
}
