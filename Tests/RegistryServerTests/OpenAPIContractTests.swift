import Foundation
import Logging
import RegistryService
import TestSupport
import Testing
import Yams

@testable import RegistryServer

/// Issue 16, item 2: the routes are written by hand (no generator plugin in the build), so
/// this proves the served routes and `openapi.yaml` are the same set.
@Suite(.blocking) struct OpenAPIContractTests {
  static func document() throws -> [String: Any] {
    let text = try String(
      contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("openapi.yaml"),
      encoding: .utf8)
    return try #require(try Yams.load(yaml: text) as? [String: Any])
  }

  @Test func everyServedRouteIsDocumentedAndEveryDocumentedOneServed() throws {
    let configuration = ServerConfiguration(
      host: "127.0.0.1", port: 0, conninfo: "", poolSize: 1,
      openAPIDocument: TestDatabase.repositoryRoot.appendingPathComponent("openapi.yaml"),
      requiredSchema: nil)
    let router = RegistryServer.router(
      configuration, pool: DatabasePool(conninfo: "", size: 1), logger: Logger(label: "test"))
    let served = Set(
      router.routes.map {
        "\($0.method.rawValue) \(RequestLogMiddleware.route($0.path.description))"
      })
    let doc = try Self.document()
    #expect(doc["openapi"] as? String == "3.1.0")
    let paths = try #require(doc["paths"] as? [String: Any])
    var documented: Set<String> = []
    for (path, item) in paths {
      let operations = try #require(item as? [String: Any])
      for method in operations.keys
      where ["get", "post", "put", "patch", "delete"].contains(method) {
        documented.insert("\(method.uppercased()) \(path)")
      }
    }
    #expect(
      served == documented,
      "served only: \(served.subtracting(documented)); documented only: \(documented.subtracting(served))"
    )
  }

  @Test func everyReferenceResolves() throws {
    let text = try String(
      contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("openapi.yaml"),
      encoding: .utf8)
    let doc = try Self.document()
    let components = try #require(doc["components"] as? [String: Any])
    for match in text.matches(of: #/\$ref: "#/components/([a-zA-Z]+)/([A-Za-z]+)"/#) {
      let section = components[String(match.output.1)] as? [String: Any]
      #expect(section?[String(match.output.2)] != nil, "unresolved \(match.output.0)")
    }
  }
}
