import Foundation
import HTTPTypes
import Hummingbird
import RegistryDomain
import RegistryService

/// Sites, protocols, users and lots: `POST /sites`, `/protocols`, `/users`, `/lots` and their
/// members. Each route calls the same use case as the CLI command of the same name, under the
/// signed-in user's role (the database decides who may: the command × role table).
struct AdminRoutes: Sendable {
  let api: RegistryRoutes

  func register(on router: Router<RegistryRequestContext>) {
    router.post("sites") { request, context in try await addSite(request, context) }
    router.get("protocols") { request, context in
      let user = try api.user(of: request, context: context)
      return try api.json(try await api.run(as: user) { try ProtocolService($0).list() })
    }
    router.post("protocols") { request, context in try await loadProtocol(request, context) }
    router.get("protocols/:code") { request, context in
      try await showProtocol(request, context)
    }
    router.get("users") { request, context in
      let user = try api.user(of: request, context: context)
      return try api.json(try await api.run(as: user) { try UserService($0).list() })
    }
    router.post("users") { request, context in try await addUser(request, context) }
    router.put("users/:name/password") { request, context in
      try await setPassword(request, context)
    }
    router.get("lots") { request, context in
      let user = try api.user(of: request, context: context)
      let status = request.uri.queryParameters.get("status")
      let fields = RouteFields(parameters: ["status": "status"])
      return try api.json(
        try await api.run(as: user, fields: fields) {
          let parsed = try status.map { try LotStatus.parse($0, field: "status") }
          return try LotService($0).list(status: parsed)
        })
    }
    router.post("lots") { request, context in try await addLot(request, context) }
    router.get("lots/:lot") { request, context in
      let (user, lot) = try lotRequest(request, context)
      return try api.json(
        try await api.run(as: user, fields: Self.lotPath) {
          try LotService($0).show(lotNumber: lot)
        })
    }
    router.post("lots/:lot/release") { request, context in
      let (user, lot) = try lotRequest(request, context)
      return try api.json(
        try await api.run(as: user, fields: Self.lotPath) {
          try LotService($0).release(lotNumber: lot)
        })
    }
    router.post("lots/:lot/reject") { request, context in
      let (user, lot) = try lotRequest(request, context)
      let body = try await BodyFields.read(
        request, context, allowed: ["reason"], what: "a rejection")
      let reason = body.values["reason"] ?? ""
      return try api.json(
        try await api.run(as: user, fields: Self.lotPath) {
          try LotService($0).reject(lotNumber: lot, reason: reason)
        })
    }
    router.get("lots/:lot/recipients") { request, context in
      let (user, lot) = try lotRequest(request, context)
      return try api.json(
        try await api.run(as: user, fields: Self.lotPath) {
          try LotService($0).recipients(lotNumber: lot)
        })
    }
  }

  /// The lot of a `/lots/{lot}` path names a path parameter, not a body member.
  static let lotPath = RouteFields(parameters: ["lot": "lot"])

  func lotRequest(_ request: Request, _ context: RegistryRequestContext) throws -> (
    SessionCredential, String
  ) {
    let user = try api.user(of: request, context: context)
    return (user, try RegistryRoutes.pathParameter(context, "lot"))
  }

  // MARK: Sites

  /// `POST /sites` `{"code", "name", "country"}` (as `site add`) → 201 the site.
  func addSite(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let body = try await BodyFields.read(
      request, context, allowed: ["code", "name", "country"], what: "a site")
    let code = try body.required("code")
    let name = try body.required("name")
    let country = body.values["country"]
    let site = try await api.run(
      as: user, fields: RouteFields(body: ["code": "code", "site.code": "code"])
    ) {
      try SiteService($0).add(code: code, name: name, country: country)
    }
    return try api.json(site, status: .created)
  }

  // MARK: Protocols

  /// What `POST /protocols` answers.
  struct ProtocolLoaded: Encodable {
    let code: String
    let version: Int
    /// False when the same file was already loaded (nothing changed).
    let loaded: Bool
  }

  /// `POST /protocols` with the protocol's YAML file as the body (as `protocol load FILE`): 201
  /// when loaded, 200 when the same file is already loaded; an invalid file is 422 with every
  /// problem in `details`.
  func loadProtocol(_ request: Request, _ context: RegistryRequestContext) async throws
    -> Response
  {
    let user = try api.user(of: request, context: context)
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
      throw Problem(
        status: .badRequest, title: "Malformed request",
        detail: "the body must be the protocol's YAML file, as UTF-8 text")
    }
    let outcome = try await api.run(
      as: user, fields: RouteFields(parameters: ["protocol": "body", "file": "body"])
    ) {
      try ProtocolService($0).load(yaml: text, name: "the request body")
    }
    switch outcome {
    case .loaded(let code, let version):
      return try api.json(
        ProtocolLoaded(code: code, version: version, loaded: true), status: .created)
    case .unchanged(let code, let version):
      return try api.json(ProtocolLoaded(code: code, version: version, loaded: false))
    }
  }

  /// What `GET /protocols/{code}` answers: the fields of `protocol show --format json`.
  struct ProtocolView: Encodable {
    let code: String
    let version: Int
    let title: String
    let condition: String
    let checksum: String
    let loaded_at: Date
    let definition: JSONValue
    let source: String
    let seed_concealed: Bool
  }

  /// `GET /protocols/{code}[?version=N]` (as `protocol show`).
  func showProtocol(_ request: Request, _ context: RegistryRequestContext) async throws
    -> Response
  {
    let user = try api.user(of: request, context: context)
    let code = try RegistryRoutes.pathParameter(context, "code")
    let version = try RegistryRoutes.integerParameter(request, "version", in: 1...1_000_000)
    let record = try await api.run(as: user, fields: RouteFields(parameters: ["code": "code"])) {
      try ProtocolService($0).show(code: code, version: version)
    }
    let t = record.trial
    return try api.json(
      ProtocolView(
        code: t.code, version: t.version, title: t.title, condition: t.condition.rawValue,
        checksum: record.checksum, loaded_at: record.loadedAt, definition: record.definition,
        source: record.source, seed_concealed: record.seedConcealed))
  }

  // MARK: Users

  /// `POST /users` `{"name", "role", "sites", "password"}` (as `user add … --password-stdin`):
  /// 201 the user; only the password's SCRAM verifier reaches the database.
  func addUser(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let body = try await BodyFields.read(
      request, context, allowed: ["name", "role", "sites", "password"], what: "a user")
    let name = try body.required("name")
    let role = try body.required("role")
    let sites: [String] =
      body.lists["sites"]
      ?? (body.values["sites"].map { $0.split(separator: ",").map { String($0) } } ?? [])
    let password = body.values["password"]
    let fields = RouteFields(body: [
      "name": "name", "role": "role", "site": "sites",
    ])
    let added = try await api.run(as: user, fields: fields) {
      try UserService($0).add(
        name: name, role: try AppUser.Role.parse(role, field: "role"), sites: sites,
        password: password)
    }
    return try api.json(added, status: .created)
  }

  /// `PUT /users/{name}/password` `{"password"}` (as `user password NAME`): 204. Admins set
  /// anyone's, every user their own.
  func setPassword(_ request: Request, _ context: RegistryRequestContext) async throws
    -> Response
  {
    let user = try api.user(of: request, context: context)
    let name = try RegistryRoutes.pathParameter(context, "name")
    let body = try await BodyFields.read(
      request, context, allowed: ["password"], what: "a password change")
    let password = try body.required("password")
    try await api.run(as: user, fields: RouteFields(parameters: ["name": "name"])) {
      try UserService($0).setPassword(name: name, password: password)
    }
    return Response(status: .noContent)
  }

  // MARK: Lots

  /// The members of `POST /lots`: `lot add`'s options as the domain names them (`viability`,
  /// `cd73` … `hla_dr`, `manufactured`), the lot as `lot_number`.
  static let lotMembers: Set<String> = [
    "lot_number", "source", "donor", "product", "passage", "viability", "cd73", "cd90", "cd105",
    "cd45", "cd34", "cd14", "cd19", "hla_dr", "sterility", "mycoplasma", "endotoxin",
    "manufactured", "expires",
  ]

  /// `POST /lots` (as `lot add`): 201 the lot, in quarantine.
  func addLot(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let body = try await BodyFields.read(
      request, context, allowed: Self.lotMembers, what: "a lot")
    var markers: [String: String] = [:]
    for marker in MarkerPanel.markers {
      if let value = body.values[marker.field] { markers[marker.field] = value }
    }
    let v = body.values
    let entry = LotEntry(
      lotNumber: try body.required("lot_number"), source: try body.required("source"),
      donor: try body.required("donor"), product: try body.required("product"),
      passage: try body.required("passage"), viability: try body.required("viability"),
      markers: markers, sterility: v["sterility"], mycoplasma: v["mycoplasma"],
      endotoxin: v["endotoxin"], manufactured: try body.required("manufactured"),
      expires: try body.required("expires"))
    let lot = try await api.run(as: user, fields: RouteFields(body: ["lot": "lot_number"])) {
      try LotService($0).add(entry)
    }
    return try api.json(lot, status: .created)
  }
}
