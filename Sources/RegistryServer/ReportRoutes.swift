import Foundation
import HTTPTypes
import Hummingbird
import RegistryDomain
import RegistryReports
import RegistryService

/// The reads and the calculator: `GET /reports/cohort`, `/audit` (list, verify, anchor),
/// `GET /exports/{format}` and `POST /scores/{instrument}`, each over the CLI's use case, under
/// the signed-in user's role.
struct ReportRoutes: Sendable {
  let api: RegistryRoutes

  func register(on router: Router<RegistryRequestContext>) {
    router.get("reports/cohort") { request, context in try await cohort(request, context) }
    router.get("audit") { request, context in try await auditList(request, context) }
    router.get("audit/verify") { request, context in
      try await auditVerify(request, context, anchors: [])
    }
    router.post("audit/verify") { request, context in
      let buffer = try await request.body.collect(upTo: context.maxUploadSize)
      let document: AuditAnchorDocument
      do {
        document = try JSONDecoder().decode(
          AuditAnchorDocument.self, from: Data(buffer.readableBytesView))
      } catch {
        throw Problem(
          status: .badRequest, title: "Malformed request",
          detail: "the body must be an anchor document written by POST /audit/anchor")
      }
      guard document.format == AuditAnchorDocument.currentFormat else {
        throw Problem(
          RegistryError.refused("format", "is not \(AuditAnchorDocument.currentFormat)"))
      }
      return try await auditVerify(request, context, anchors: document.chains)
    }
    router.post("audit/anchor") { request, context in
      let user = try api.user(of: request, context: context)
      return try api.json(try await api.run(as: user) { try AuditService($0).anchor() })
    }
    router.get("exports/:format") { request, context in try await export(request, context) }
    router.post("scores/:instrument") { request, context in try await score(request, context) }
  }

  // MARK: Cohort report

  /// The representations of the cohort report, by `Accept`.
  enum CohortRepresentation: String, CaseIterable {
    case json = "application/json"
    case csv = "text/csv"
    case html = "text/html"

    /// The best representation `accept` allows (none given: JSON); nil when it allows none
    /// (406). Media ranges are weighed by `q`; `*/*`, `application/*` give JSON and `text/*`
    /// CSV.
    static func negotiate(_ accept: String?) -> CohortRepresentation? {
      guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .json }
      var ranges: [(type: String, q: Double, order: Int)] = []
      for (order, part) in accept.split(separator: ",").enumerated() {
        let pieces = part.split(separator: ";").map {
          $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let type = pieces.first, !type.isEmpty else { continue }
        var q = 1.0
        for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
          q = Double(parameter.dropFirst(2)) ?? 0
        }
        ranges.append((type, q, order))
      }
      for range in ranges.sorted(by: { $0.q != $1.q ? $0.q > $1.q : $0.order < $1.order })
      where range.q > 0 {
        switch range.type {
        case "*/*", "application/*", "application/json": return .json
        case "text/*", "text/csv": return .csv
        case "text/html": return .html
        default: continue
        }
      }
      return nil
    }
  }

  /// `GET /reports/cohort?protocol=P[&by=…&site=…&as_of=…&ci=…&min_cell=N&exclude_synthetic=true]`
  /// (as `report cohort`), as JSON, CSV or HTML by `Accept`.
  func cohort(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    guard let representation = CohortRepresentation.negotiate(request.headers[.accept]) else {
      throw Problem(
        status: .notAcceptable, title: "Not acceptable",
        detail: "the cohort report is application/json, text/csv or text/html")
    }
    let q = request.uri.queryParameters
    guard let protocolCode = q.get("protocol"), !protocolCode.isEmpty else {
      var problem = Problem(
        status: .badRequest, title: "Malformed request", detail: "is required")
      problem.parameter = "protocol"
      throw problem
    }
    let by = q.get("by")
    let site = q.get("site")
    let asOf = q.get("as_of")
    let ci = q.get("ci")
    let minCell = try RegistryRoutes.integerParameter(request, "min_cell", in: 0...1000) ?? 0
    let excludeSynthetic = try RegistryRoutes.flagParameter(request, "exclude_synthetic")
    let fields = RouteFields(parameters: [
      "protocol": "protocol", "by": "by", "site": "site", "as_of": "as_of", "ci": "ci",
      "min_cell": "min_cell",
    ])
    let report = try await api.run(as: user, fields: fields) { database in
      var query = ReportService.CohortQuery(protocolCode: protocolCode)
      if let by { query.groupBy = try CohortGrouping.parse(by, field: "by") }
      if let ci { query.ciMethod = try SurvivalCIMethod.parse(ci, field: "ci") }
      query.site = site
      query.minCell = minCell
      query.excludeSynthetic = excludeSynthetic
      if let asOf { query.asOf = try TextField.date(asOf, field: "as_of") }
      return try ReportService(database).cohort(query)
    }
    switch representation {
    case .json:
      return RegistryRoutes.text(
        try CohortReportJSON.render(report) + "\n", contentType: "application/json")
    case .csv:
      return RegistryRoutes.text(
        CohortReportCSV.render(report), contentType: "text/csv; charset=utf-8")
    case .html:
      return RegistryRoutes.text(
        CohortReportHTML.render(report), contentType: "text/html; charset=utf-8")
    }
  }

  // MARK: Audit

  /// A page of a list: the items and the cursor of the next page (nil at the end).
  struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    let items: [Item]
    let next_cursor: String?

    /// `next_cursor` is always present: null on the last page.
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(items, forKey: .items)
      try c.encode(next_cursor, forKey: .next_cursor)
    }

    enum CodingKeys: String, CodingKey {
      case items, next_cursor
    }
  }

  /// The opaque cursor of `GET /audit`: the last audit row id of a page, base64url-encoded
  /// with a prefix, so that a cursor of another list is refused.
  enum AuditCursor {
    static func encode(afterID id: Int64) -> String {
      Data("audit:\(id)".utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> Int64? {
      var text = cursor.replacingOccurrences(of: "-", with: "+")
        .replacingOccurrences(of: "_", with: "/")
      while text.count % 4 != 0 { text += "=" }
      guard let data = Data(base64Encoded: text),
        let plain = String(data: data, encoding: .utf8), plain.hasPrefix("audit:"),
        let id = Int64(plain.dropFirst(6)), id >= 0
      else { return nil }
      return id
    }
  }

  /// `GET /audit[?since=DATE&key=KEY&limit=N&cursor=C]` (as `audit show`): a page of audit
  /// rows in id order, `limit` (1–1000, default 100) at most, and `next_cursor` for the rest.
  func auditList(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let q = request.uri.queryParameters
    let limit = try RegistryRoutes.integerParameter(request, "limit", in: 1...1000) ?? 100
    var after: Int64? = nil
    if let cursor = q.get("cursor") {
      guard let id = AuditCursor.decode(String(cursor)) else {
        var problem = Problem(
          status: .badRequest, title: "Malformed request",
          detail: "is not a cursor of this list (use next_cursor as given)")
        problem.parameter = "cursor"
        throw problem
      }
      after = id
    }
    let since = q.get("since")
    let key = q.get("key")
    let fields = RouteFields(parameters: ["since": "since", "key": "key"])
    let rows = try await api.run(as: user, fields: fields) { [after] database in
      let sinceDate = try since.map { try TextField.date($0, field: "since") }
      return try AuditService(database).entries(
        since: sinceDate, key: key, afterID: after, limit: limit + 1)
    }
    let page = Array(rows.prefix(limit))
    let next = rows.count > limit ? page.last.map { AuditCursor.encode(afterID: $0.id) } : nil
    return try api.json(Page<AuditEntry>(items: page, next_cursor: next))
  }

  /// What the audit verification answers: as `audit verify --format json`.
  struct Verification: Encodable {
    let ok: Bool
    let chains: [AuditChainStatus]
  }

  /// `GET /audit/verify`, or `POST` with an anchor document (as `audit verify [--anchor]`):
  /// 200 with `ok` false and every break when a chain is broken (the verification itself
  /// succeeded); 403 for a role that cannot read both chains.
  func auditVerify(
    _ request: Request, _ context: RegistryRequestContext, anchors: [AuditAnchor]
  ) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let chains = try await api.run(
      as: user, fields: RouteFields(body: ["anchor": "chains"])
    ) {
      try AuditService($0).verify(anchors: anchors)
    }
    return try api.json(Verification(ok: chains.allSatisfy(\.isIntact), chains: chains))
  }

  // MARK: Exports

  /// The formats of `GET /exports/{format}`: those of `mscreg export`.
  enum ExportFormat: String, CaseIterable {
    case csv, fhir, odm

    var contentType: String {
      switch self {
      case .csv: "text/csv; charset=utf-8"
      case .fhir: "application/fhir+json"
      case .odm: "application/xml"
      }
    }
  }

  /// `GET /exports/{format}?protocol=P` (as `export --deidentified`): `csv` answers one table
  /// (`table=patients`, …: the CSV export is a folder of files); `fhir` and `odm` stream the
  /// whole bundle or ODM file from one snapshot as it is read.
  func export(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let name = try RegistryRoutes.pathParameter(context, "format")
    guard let format = ExportFormat(rawValue: name) else {
      throw Problem(
        status: .notFound, title: "Not found",
        detail: "no export format \(name.prefix(40)) (csv, fhir or odm)")
    }
    let q = request.uri.queryParameters
    guard let protocolCode = q.get("protocol"), !protocolCode.isEmpty else {
      var problem = Problem(status: .badRequest, title: "Malformed request", detail: "is required")
      problem.parameter = "protocol"
      throw problem
    }
    let excludeSynthetic = try RegistryRoutes.flagParameter(request, "exclude_synthetic")
    let fields = RouteFields(parameters: ["protocol": "protocol"])
    if format == .csv {
      let tables = DeidentifiedExport.layouts.map(\.name)
      guard let table = q.get("table"), tables.contains(table) else {
        var problem = Problem(
          status: .badRequest, title: "Malformed request",
          detail: "names one table of the CSV export: \(tables.joined(separator: ", "))")
        problem.parameter = "table"
        throw problem
      }
      let exported = try await api.run(as: user, fields: fields) {
        try ExportService($0).deidentified(
          protocolCode: protocolCode, excludeSynthetic: excludeSynthetic)
      }
      guard let rendered = exported.first(where: { $0.name == table }) else {
        throw Problem(status: .notFound, title: "Not found", detail: "no table \(table)")
      }
      var response = RegistryRoutes.text(
        CSVTable.render(rendered), contentType: format.contentType)
      response.headers[.contentDisposition] = "attachment; filename=\"\(table).csv\""
      return response
    }
    if excludeSynthetic {
      var problem = Problem(
        status: .badRequest, title: "Malformed request", detail: "is offered for csv only")
      problem.parameter = "exclude_synthetic"
      throw problem
    }
    let pipe = ChunkPipe()
    let pool = api.pool
    DispatchQueue.global().async {
      do {
        try pool.run(as: user) { database in
          let service = ExportService(database)
          if format == .fhir {
            try service.stream(
              protocolCode: protocolCode, into: FHIRBundleWriter(output: pipe.write))
          } else {
            let now = ISO8601DateFormatter().string(from: Date())
            try service.stream(
              protocolCode: protocolCode, bySubject: true, withAudit: true,
              into: ODMWriter(creationDateTime: now, output: pipe.write))
          }
        }
        pipe.finish(nil)
      } catch {
        pipe.finish(error)
      }
    }
    // Nothing is sent before the first chunk: a refusal before it (unknown protocol, a role
    // that cannot read the audit chain) is still a problem with its status.
    let first: ByteBuffer?
    do {
      first = try await pipe.next()
    } catch let error as RegistryError {
      throw fields.problem(error)
    }
    let file = "\(protocolCode).\(format == .fhir ? "json" : "xml")"
    return Response(
      status: .ok,
      headers: [
        .contentType: format.contentType,
        .contentDisposition: "attachment; filename=\"\(file)\"",
      ],
      body: ResponseBody { writer in
        do {
          if let first { try await writer.write(first) }
          while let chunk = try await pipe.next() { try await writer.write(chunk) }
          try await writer.finish(nil)
        } catch {
          // The client went away or the export failed part-way: stop the export; the
          // connection is closed without the end of the body, so no truncated file looks whole.
          pipe.cancel()
          throw error
        }
      })
  }

  // MARK: Scores

  /// `POST /scores/{instrument}` with the instrument's measures (as `score INSTRUMENT`):
  /// members are the CLI's options in snake_case (`bilirubin`, `sledai_descriptors`, `sex`,
  /// `age`), numbers bare (conventional unit) or text with a unit (`"85umol/L"`).
  func score(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    _ = try api.user(of: request, context: context)
    let name = try RegistryRoutes.pathParameter(context, "instrument")
    let instrument: ScoreInstrument
    do {
      instrument = try ScoreInstrument.named(name)
    } catch let error as RegistryError {
      throw RouteFields(parameters: ["instrument": "instrument"]).problem(error)
    }
    let members = instrument.measures
    let body = try await BodyFields.read(
      request, context, allowed: Set(members), what: "the \(instrument.rawValue) score")
    let v = body.values
    let dialysis: Bool
    switch v["dialysis"] {
    case nil, "false": dialysis = false
    case "true": dialysis = true
    default: throw Problem(RegistryError.refused("dialysis", "must be true or false"))
    }
    let raw = RawMeasures(
      sledaiDescriptors: v["sledai_descriptors"], eularAcrItems: v["eular_acr_items"],
      anaTiter: v["ana_titer"], creatinine: v["creatinine"], bilirubin: v["bilirubin"],
      inr: v["inr"], sodium: v["sodium"], albumin: v["albumin"], ascites: v["ascites"],
      encephalopathy: v["encephalopathy"], dialysis: dialysis)
    let result: ScoreResult
    do {
      result = try ScoreCalculator.compute(instrument, measures: raw, sex: v["sex"], age: v["age"])
    } catch let error as RegistryError {
      throw Problem(error)
    }
    return try api.json(result.report)
  }
}
