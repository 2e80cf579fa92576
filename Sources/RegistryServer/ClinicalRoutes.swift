import Foundation
import Hummingbird
import RegistryDomain
import RegistryService

/// The clinical records of the API: the patient list, import, withdrawal and amendment, and a
/// patient's infusions, lots, assessments, adverse events and clinical events, and the visits
/// due. Each route parses its request into the CLI command's inputs (body members named as
/// the CSV import's columns and the commands' options, snake_case) and calls the same
/// service use case as that command, under the signed-in user's role. No SQL, no rule.
struct ClinicalRoutes: Sendable {
  let api: RegistryRoutes

  func register(on router: Router<RegistryRequestContext>) {
    router.get("patients") { request, context in try await listPatients(request, context) }
    router.post("patients/import") { request, context in
      try await importPatients(request, context)
    }
    router.post("patients/:study_id/withdraw") { request, context in
      try await withdraw(request, context)
    }
    router.patch("patients/:study_id") { request, context in try await amend(request, context) }
    router.get("patients/:study_id/lots") { request, context in
      let (user, studyID) = try scope(request, context)
      let paging = try Paging(request)
      let uses = try await api.pool.perform(as: user) {
        try InfusionService($0).lots(studyID: studyID)
      }
      return try api.json(paging.page(of: uses) { Paging.key($0.infusion.id) })
    }
    registerInfusions(on: router)
    registerAssessments(on: router)
    registerAdverseEvents(on: router)
    registerEvents(on: router)
    router.get("visits/due") { request, context in try await visitsDue(request, context) }
  }

  /// The signed-in user and the study ID of the path.
  func scope(_ request: Request, _ context: RegistryRequestContext) throws -> (
    SessionCredential, String
  ) {
    let user = try api.user(of: request, context: context)
    return (user, try context.parameters.require("study_id"))
  }

  /// A numeric id of the path (`infusion_id` …); 404 when it is not a whole number.
  func id(_ name: String, _ context: RegistryRequestContext, _ what: String) throws -> Int64 {
    let text = try context.parameters.require(name)
    guard let id = Int64(text) else { throw RegistryError.notFound(name, "no \(what) \(text)") }
    return id
  }

  // MARK: Patients

  /// `GET /patients`: the patients the user's sites see, by study ID, a page at a time.
  func listPatients(_ request: Request, _ context: RegistryRequestContext) async throws
    -> Response
  {
    let user = try api.user(of: request, context: context)
    let paging = try Paging(request)
    let query = request.uri.queryParameters
    let parameters = ["protocol", "site", "status", "exclude_synthetic"]
    do {
      let status = try query.get("status").map { try PatientStatus.parse($0, field: "status") }
      let excludeSynthetic = try Self.flag(query.get("exclude_synthetic"), "exclude_synthetic")
      let (protocolCode, site) = (query.get("protocol"), query.get("site"))
      let limit = paging.limit + 1
      let after = paging.after
      let patients = try await api.pool.perform(as: user) {
        try PatientService($0).list(
          protocolCode: protocolCode, site: site, status: status,
          excludeSynthetic: excludeSynthetic ?? false, after: after, limit: limit)
      }
      return try api.json(paging.page(fetched: patients) { $0.studyID })
    } catch let error as RegistryError {
      throw Problem(error, parameters: parameters)
    }
  }

  /// `POST /patients/import?protocol=P[&site=S]`: a screening list as CSV (the columns of
  /// `mscreg patient import`), all rows or none; 201 with each row's study ID and arm.
  func importPatients(_ request: Request, _ context: RegistryRequestContext) async throws
    -> Response
  {
    let user = try api.user(of: request, context: context)
    let query = request.uri.queryParameters
    guard let protocolCode = query.get("protocol"), !protocolCode.isEmpty else {
      throw Problem(RegistryError.refused("protocol", "is required"), parameters: ["protocol"])
    }
    let site = query.get("site").flatMap { $0.isEmpty ? nil : $0 }
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    let data = Data(buffer.readableBytesView)
    guard let text = String(data: data, encoding: .utf8) else {
      throw Problem(
        status: .badRequest, title: "Malformed request", detail: "the body must be UTF-8 CSV text")
    }
    let create: @Sendable (RegistryDatabase) throws -> StoredResponse = { database in
      let results = try EnrollmentService(database).importCSV(
        text, protocolCode: protocolCode, defaultSite: site)
      return StoredResponse(
        status: 201, body: try RegistryRoutes.jsonText(Imported(items: results)))
    }
    let digest = Data("protocol=\(protocolCode)\nsite=\(site ?? "")\n".utf8) + data
    do {
      return try await api.create(
        request, user: user, digestOf: digest, route: "POST /patients/import", create)
    } catch let error as RegistryError {
      throw Problem(error, parameters: ["protocol", "site"])
    }
  }

  /// The answer of an import: one result per row, in file order.
  struct Imported: Encodable {
    let items: [EnrollmentResult]
  }

  /// `POST /patients/{study_id}/withdraw` `{reason, date?}` → the patient.
  func withdraw(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let (user, studyID) = try scope(request, context)
    let body = try await RequestFields(request, context, allowed: ["reason", "date"])
    let reason = try body.required("reason")
    let date = try body["date"].map { try TextField.date($0, field: "date") }
    return try api.json(
      try await api.pool.perform(as: user) {
        try PatientService($0).withdraw(studyID: studyID, reason: reason, on: date)
      })
  }

  /// `PATCH /patients/{study_id}` `{sex?, birth_date?, mrn?, given?, family?, contact?,
  /// reason}` → the patient (as `mscreg patient amend`). With `If-Match` (the ETag of
  /// `GET /patients/{study_id}`), a patient changed since is a conflict (409).
  func amend(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let (user, studyID) = try scope(request, context)
    let body = try await RequestFields(
      request, context,
      allowed: ["sex", "birth_date", "mrn", "given", "family", "contact", "reason"])
    var amendment = PatientService.Amendment()
    amendment.sex = try body["sex"].map { try Sex.parse($0, field: "sex") }
    amendment.birthDate = try body["birth_date"].map { try TextField.date($0, field: "birth_date") }
    amendment.mrn = body["mrn"]
    amendment.givenName = body["given"]
    amendment.familyName = body["family"]
    amendment.contact = body["contact"]
    let reason = try body.required("reason")
    let change = amendment
    let ifVersion = RegistryRoutes.ifMatch(request)
    let (patient, version) = try await api.pool.perform(as: user) {
      let patients = PatientService($0)
      return (
        try patients.amend(studyID: studyID, change, reason: reason, ifVersion: ifVersion),
        try patients.version(studyID: studyID)
      )
    }
    var response = try api.json(patient)
    response.headers[.eTag] = RegistryRoutes.entityTag(version)
    return response
  }

  // MARK: Infusions

  func registerInfusions(on router: Router<RegistryRequestContext>) {
    router.post("patients/:study_id/infusions") { request, context in
      let (user, studyID) = try scope(request, context)
      let body = try await RequestFields(
        request, context, allowed: ["lot", "date", "weight_kg", "cells", "route"])
      let entry = try InfusionEntry.validated(
        studyID: studyID, lot: try body.required("lot"), date: try body.required("date"),
        weightKg: try body.required("weight_kg"), cells: try body.required("cells"),
        route: body["route"])
      return try await created(request, user, body) { try InfusionService($0).record(entry) }
    }
    router.get("patients/:study_id/infusions") { request, context in
      let (user, studyID) = try scope(request, context)
      let paging = try Paging(request)
      let uses = try await api.pool.perform(as: user) {
        try InfusionService($0).lots(studyID: studyID)
      }
      return try api.json(paging.page(of: uses.map(\.infusion)) { Paging.key($0.id) })
    }
    registerVoid(on: router, "infusions", id: "infusion_id", what: "infusion") {
      try InfusionService($0).void(studyID: $1, infusionID: $2, reason: $3)
    }
  }

  // MARK: Assessments

  /// The measure members of an assessment body: the CSV import's measure columns.
  static let measureFields = [
    "sledai_descriptors", "eular_acr_items", "ana_titer", "pga", "bilag", "upcr", "creatinine",
    "c3", "c4", "anti_dsdna", "bilirubin", "inr", "sodium", "albumin", "ascites",
    "encephalopathy", "dialysis",
  ]

  /// The measures of a body as typed (validated by the domain, like the CLI's options).
  static func measures(_ body: RequestFields) throws -> RawMeasures {
    RawMeasures(
      sledaiDescriptors: body["sledai_descriptors"], eularAcrItems: body["eular_acr_items"],
      anaTiter: body["ana_titer"], pga: body["pga"], bilag: body["bilag"], upcr: body["upcr"],
      creatinine: body["creatinine"], c3: body["c3"], c4: body["c4"],
      antiDsdna: body["anti_dsdna"], bilirubin: body["bilirubin"], inr: body["inr"],
      sodium: body["sodium"], albumin: body["albumin"], ascites: body["ascites"],
      encephalopathy: body["encephalopathy"],
      dialysis: try flag(body["dialysis"], "dialysis") ?? false)
  }

  func registerAssessments(on router: Router<RegistryRequestContext>) {
    router.post("patients/:study_id/assessments") { request, context in
      let (user, studyID) = try scope(request, context)
      let body = try await RequestFields(
        request, context,
        allowed: Set(["visit", "date", "out_of_window", "reason"] + Self.measureFields))
      let visit = try body.required("visit")
      let date = try TextField.date(try body.required("date"), field: "date")
      let measures = try MeasureSet(parsing: try Self.measures(body))
      let outOfWindow = try Self.flag(body["out_of_window"], "out_of_window") ?? false
      let reason = body["reason"]
      return try await created(request, user, body) {
        try AssessmentService($0).record(
          studyID: studyID, visit: visit, on: date, measures: measures, outOfWindow: outOfWindow,
          reason: reason)
      }
    }
    registerList(on: router, "assessments", id: \.id) {
      try AssessmentService($0).list(studyID: $1, includeVoided: $2)
    }
    router.patch("patients/:study_id/assessments/:visit") { request, context in
      let (user, studyID) = try scope(request, context)
      let visit = try context.parameters.require("visit")
      let body = try await RequestFields(
        request, context, allowed: Set(["date", "out_of_window", "reason"] + Self.measureFields))
      var changes = try Self.measures(body)
      changes.dialysis = false
      let dialysis = try Self.flag(body["dialysis"], "dialysis")
      let date = try body["date"].map { try TextField.date($0, field: "date") }
      let outOfWindow = try Self.flag(body["out_of_window"], "out_of_window") ?? false
      let reason = try body.required("reason")
      let measures = changes
      return try api.json(
        try await api.pool.perform(as: user) {
          try AssessmentService($0).amend(
            studyID: studyID, visit: visit, changes: measures, dialysis: dialysis, date: date,
            outOfWindow: outOfWindow, reason: reason)
        })
    }
    router.post("patients/:study_id/assessments/:visit/void") { request, context in
      let (user, studyID) = try scope(request, context)
      let visit = try context.parameters.require("visit")
      let reason = try await RequestFields(request, context, allowed: ["reason"]).required(
        "reason")
      return try api.json(
        try await api.pool.perform(as: user) {
          try AssessmentService($0).void(studyID: studyID, visit: visit, reason: reason)
        })
    }
  }

  // MARK: Adverse events

  func registerAdverseEvents(on router: Router<RegistryRequestContext>) {
    router.post("patients/:study_id/adverse-events") { request, context in
      let (user, studyID) = try scope(request, context)
      let body = try await RequestFields(
        request, context,
        allowed: [
          "term", "grade", "serious", "relatedness", "onset", "resolved", "infusion",
          "death_date",
        ])
      let report = AdverseEventService.Report(
        term: try body.required("term"), grade: try CTCAEGrade.parse(try body.required("grade")),
        serious: try body["serious"].map { try Seriousness.parse($0, field: "serious") },
        relatedness: try Relatedness.parse(try body.required("relatedness"), field: "relatedness"),
        onset: try TextField.date(try body.required("onset"), field: "onset"),
        resolved: try body["resolved"].map { try TextField.date($0, field: "resolved") },
        infusionID: try Self.number(body["infusion"], "infusion"),
        deathDate: try body["death_date"].map { try TextField.date($0, field: "death_date") })
      return try await created(request, user, body) {
        try AdverseEventService($0).add(studyID: studyID, report)
      }
    }
    registerList(on: router, "adverse-events", id: \.id) {
      try AdverseEventService($0).list(studyID: $1, includeVoided: $2)
    }
    router.patch("patients/:study_id/adverse-events/:ae_id") { request, context in
      let (user, studyID) = try scope(request, context)
      let eventID = try id("ae_id", context, "adverse event")
      let body = try await RequestFields(
        request, context,
        allowed: ["grade", "resolved", "serious", "relatedness", "infusion", "reason"])
      let change = AdverseEventService.Update(
        grade: try body["grade"].map(CTCAEGrade.parse),
        resolved: try body["resolved"].map { try TextField.date($0, field: "resolved") },
        serious: try body["serious"].map { try Seriousness.parse($0, field: "serious") },
        relatedness: try body["relatedness"].map {
          try Relatedness.parse($0, field: "relatedness")
        },
        infusionID: try Self.number(body["infusion"], "infusion"))
      let reason = try body.required("reason")
      return try api.json(
        try await api.pool.perform(as: user) {
          try AdverseEventService($0).update(
            studyID: studyID, eventID: eventID, change, reason: reason)
        })
    }
    registerVoid(on: router, "adverse-events", id: "ae_id", what: "adverse event") {
      try AdverseEventService($0).void(studyID: $1, eventID: $2, reason: $3)
    }
  }

  // MARK: Clinical events

  func registerEvents(on router: Router<RegistryRequestContext>) {
    router.post("patients/:study_id/events") { request, context in
      let (user, studyID) = try scope(request, context)
      let body = try await RequestFields(request, context, allowed: ["kind", "date"])
      let kind = try ClinicalEventKind.parse(try body.required("kind"), field: "kind")
      let date = try TextField.date(try body.required("date"), field: "date")
      return try await created(request, user, body) {
        try ClinicalEventService($0).add(studyID: studyID, kind: kind, on: date)
      }
    }
    registerList(on: router, "events", id: \.id) {
      try ClinicalEventService($0).list(studyID: $1, includeVoided: $2)
    }
    registerVoid(on: router, "events", id: "event_id", what: "event") {
      try ClinicalEventService($0).void(studyID: $1, eventID: $2, reason: $3)
    }
  }

  // MARK: Visits

  /// `GET /visits/due?site=&protocol=&as_of=`: as `mscreg visits due`, a page at a time, in
  /// its order (overdue, due, upcoming; each by window start, study ID and visit).
  func visitsDue(_ request: Request, _ context: RegistryRequestContext) async throws -> Response {
    let user = try api.user(of: request, context: context)
    let paging = try Paging(request)
    let query = request.uri.queryParameters
    do {
      let asOf = try query.get("as_of").map { try TextField.date($0, field: "as_of") } ?? .today()
      let (protocolCode, site) = (query.get("protocol"), query.get("site"))
      let visits = try await api.pool.perform(as: user) {
        try AssessmentService($0).visitsDue(protocolCode: protocolCode, site: site, asOf: asOf)
      }
      return try api.json(paging.page(of: visits, key: Self.sortKey))
    } catch let error as RegistryError {
      throw Problem(error, parameters: ["protocol", "site", "as_of"])
    }
  }

  /// The order of `visits due` as one text: state, window start, study ID, visit.
  static func sortKey(_ v: VisitDue) -> String {
    let rank: Int
    switch v.state {
    case .overdue: rank = 0
    case .due: rank = 1
    case .upcoming: rank = 2
    }
    return "\(rank) \(v.windowStart) \(v.studyID) \(v.visit)"
  }

  // MARK: Helpers

  /// `POST /patients/{study_id}/<records>/{<id>}/void` `{reason}` → the voided record: the
  /// record's numeric id from the path (`id`; 404 when not a number), `void` called with the
  /// database, the study ID, the record's id and the reason.
  func registerVoid<Voided: Encodable & Sendable>(
    on router: Router<RegistryRequestContext>, _ records: String, id parameter: String,
    what: String,
    _ void: @escaping @Sendable (RegistryDatabase, String, Int64, String) throws -> Voided
  ) {
    router.post(RouterPath("patients/:study_id/\(records)/:\(parameter)/void")) {
      request, context in
      let (user, studyID) = try scope(request, context)
      let recordID = try id(parameter, context, what)
      let reason = try await RequestFields(request, context, allowed: ["reason"]).required(
        "reason")
      return try api.json(
        try await api.pool.perform(as: user) { try void($0, studyID, recordID, reason) })
    }
  }

  /// `GET /patients/{study_id}/<records>[?include_voided=true]`: a page of `list` (called with
  /// the database, the study ID and whether voided records are included), by record id.
  func registerList<Item: Encodable & Sendable>(
    on router: Router<RegistryRequestContext>, _ records: String,
    id: @escaping @Sendable (Item) -> Int64,
    _ list: @escaping @Sendable (RegistryDatabase, String, Bool) throws -> [Item]
  ) {
    router.get(RouterPath("patients/:study_id/\(records)")) { request, context in
      let (user, studyID) = try scope(request, context)
      let paging = try Paging(request)
      let voided = try includeVoided(request)
      let items = try await api.pool.perform(as: user) { try list($0, studyID, voided) }
      return try api.json(paging.page(of: items) { Paging.key(id($0)) })
    }
  }

  /// A creating `POST`'s answer: 201 with the record `create` makes, once per
  /// `Idempotency-Key` (a retry of the same body gets the first answer).
  func created<Created: Encodable & Sendable>(
    _ request: Request, _ user: SessionCredential, _ body: RequestFields,
    _ create: @escaping @Sendable (RegistryDatabase) throws -> Created
  ) async throws -> Response {
    try await api.create(
      request, user: user, digestOf: body.canonical, route: "POST \(request.uri.path)"
    ) { database in
      StoredResponse(status: 201, body: try RegistryRoutes.jsonText(create(database)))
    }
  }

  /// The `include_voided` query parameter (`true` or `false`, default false).
  func includeVoided(_ request: Request) throws -> Bool {
    do {
      return try Self.flag(request.uri.queryParameters.get("include_voided"), "include_voided")
        ?? false
    } catch let error as RegistryError {
      throw Problem(error, parameters: ["include_voided"])
    }
  }

  /// A boolean member or parameter: `true` or `false`; nil when not given.
  static func flag(_ text: String?, _ field: String) throws -> Bool? {
    guard let text else { return nil }
    switch text {
    case "true": return true
    case "false": return false
    default: throw RegistryError.refused(field, "must be true or false")
    }
  }

  /// A whole-number member (an id); nil when not given.
  static func number(_ text: String?, _ field: String) throws -> Int64? {
    guard let text else { return nil }
    guard let n = Int64(text.trimmingCharacters(in: .whitespaces)), n > 0 else {
      throw RegistryError.refused(field, "must be the id of a record, a whole number above 0")
    }
    return n
  }
}

/// The members of a JSON request body as the text a CSV cell or a CLI option would hold
/// (numbers and booleans as written; null: not given), checked against the members the route
/// takes.
struct RequestFields {
  let values: [String: String]
  /// The request as a canonical text (members sorted), for the Idempotency-Key digest: a
  /// retry whose JSON orders its members differently is the same request.
  let canonical: Data

  init(_ request: Request, _ context: RegistryRequestContext, allowed: Set<String>) async throws {
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    let decoded: [String: PatientRoutes.Cell?]
    do {
      decoded = try JSONDecoder().decode(
        [String: PatientRoutes.Cell?].self, from: Data(buffer.readableBytesView))
    } catch {
      throw Problem(
        status: .badRequest, title: "Malformed request",
        detail: "the body must be a JSON object of text, number, boolean and null members")
    }
    var values: [String: String] = [:]
    for (name, cell) in decoded {
      if let cell { values[name] = cell.text }
    }
    if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
      throw Problem(
        status: .unprocessableContent, title: "Refused",
        detail: "is not a member of this request; it takes "
          + allowed.sorted().joined(separator: ", "),
        pointer: FieldSpelling.jsonPointer(unknown))
    }
    self.values = values
    canonical = Data(
      values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: "\n").utf8)
  }

  subscript(name: String) -> String? { values[name] }

  /// A member the route needs; refused (422, its pointer) when missing.
  func required(_ name: String) throws -> String {
    guard let value = values[name] else { throw RegistryError.refused(name, "is required") }
    return value
  }
}
