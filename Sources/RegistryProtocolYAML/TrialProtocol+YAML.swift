import Foundation
import RegistryDomain
import Yams

extension TrialProtocol {
  /// Reads and validates a protocol file (SPEC §3) as a whole.
  ///
  /// The YAML is composed into a generic node tree (Yams `compose`) and walked by hand, so that
  /// every problem is collected in one pass rather than stopping at the first, as a `Codable`
  /// decoder would. Rules, with the key path each problem names:
  /// - Required keys: `code`, `version`, `title`, `condition`, `study_id_prefix`, `arms`,
  ///   `eligibility`, `treatment`, `visits`, `endpoints`; `randomization` when there is more
  ///   than one arm. Every mapping of the file refuses keys it does not know.
  /// - `code`: 1–40 letters, digits, `-`, `_`, `.`; `version`: integer ≥ 1; `study_id_prefix`:
  ///   2–10 upper-case letters or digits starting with a letter (study IDs are
  ///   `PREFIX-SITE-NNNN`, so no hyphen); `title`: 1–200 characters, no control characters.
  /// - `arms[]`: `{code, ratio, receives_msc}` all required; codes lower-case
  ///   (`[a-z][a-z0-9_]*`) and unique; ratio a positive integer; at least one arm receives MSC.
  /// - `randomization`: `block_sizes` (required, non-empty, each a positive multiple of the sum
  ///   of the arms' ratios), `stratify_by` (optional, `[site]` or `[]`; default `[]`),
  ///   `seed` (required, integer ≥ 0).
  /// - `eligibility`: `age_years {min, max}` (integers 0–120, optional), `require_consent`
  ///   (boolean, default true), and any `Measure` of the protocol's condition as
  ///   `{min, max}` (numbers, at least one, min ≤ max).
  /// - `treatment`: `allowed_sources` (non-empty, no repeats), `product`, `dose_per_kg
  ///   {min, max}` (both required, 0 < min ≤ max), `max_infusions` (≥ 1),
  ///   `min_days_between_infusions` (≥ 0, default 0), `release {min_viability_pct (0–100),
  ///   max_passage (≥ 0), isct_markers (boolean)}` all required.
  /// - `visits[]`: `{code, day, window}` all required; codes unique; day ≥ 0; window
  ///   `[before, after]` with before ≤ 0 ≤ after (a window must contain its own day).
  /// - `endpoints[]`: `code` and `kind` required, codes unique; `survival` needs `events`
  ///   (non-empty, no `lost_to_follow_up`, which is a censoring) and `horizons_days` (positive,
  ///   strictly increasing); `sri4` and `renal_response` need `visit` and are SLE-only; `change`
  ///   needs `visit` and a `measure` of the protocol's condition; `renal_response` may set
  ///   `population: {upcr_min: X}` (the population's baseline UPCR threshold in g/g,
  ///   0 < X ≤ 30; default 0.5, KDIGO 2024). A key that the kind does not
  ///   use is a problem. Endpoints read at a visit need a baseline visit on day 0 and a visit
  ///   after day 0.
  ///
  /// - Parameter yaml: the protocol file's text.
  /// - Throws: `ProtocolValidationError` listing every problem as `keypath: message`
  ///   (YAML syntax errors come as one problem `yaml: line L, column C: …`).
  public init(yaml: String) throws(ProtocolValidationError) {
    var reader = ProtocolReader()
    if let value = reader.read(yaml: yaml), reader.problems.isEmpty {
      self = value
    } else {
      throw ProtocolValidationError(
        problems: reader.problems.isEmpty ? ["protocol: invalid"] : reader.problems)
    }
  }

  /// Every problem of a protocol file, each as `keypath: message`; empty when the file is valid.
  /// The same rules as `init(yaml:)`. Never throws.
  public static func problems(yaml: String) -> [String] {
    var reader = ProtocolReader()
    _ = reader.read(yaml: yaml)
    return reader.problems
  }
}

/// Walks a composed YAML tree and collects problems (see `TrialProtocol.init(yaml:)`).
struct ProtocolReader {
  var problems: [String] = []

  mutating func problem(_ path: String, _ message: String) {
    problems.append("\(path.isEmpty ? "protocol" : path): \(message)")
  }

  // MARK: - Whole file

  mutating func read(yaml: String) -> TrialProtocol? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      problems.append("yaml: \(Self.describe(error))")
      return nil
    } catch {
      problems.append("yaml: \(error)")
      return nil
    }
    guard let root else {
      problem("", "the file is empty")
      return nil
    }
    guard
      let top = mapping(
        root, "",
        allowed: [
          "code", "version", "title", "condition", "study_id_prefix", "arms", "randomization",
          "eligibility", "treatment", "visits", "endpoints",
        ],
        required: [
          "code", "version", "title", "condition", "study_id_prefix", "arms", "eligibility",
          "treatment", "visits", "endpoints",
        ])
    else { return nil }

    let code = top["code"].flatMap { string($0, "code") }
    if let code,
      code.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"#, options: .regularExpression) == nil
    {
      problem("code", "must be 1–40 letters, digits, '-', '_' or '.', got '\(code)'")
    }
    let version = top["version"].flatMap { int($0, "version", rule: "an integer ≥ 1") { $0 >= 1 } }
    let title = top["title"].flatMap { string($0, "title") }
    if let title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      problem("title", "must not be empty")
    } else if let title, title.count > 200 {
      problem("title", "is \(title.count) characters long; at most 200")
    }
    let condition = top["condition"].flatMap {
      enumValue($0, "condition", Condition.self, noun: "condition")
    }
    let prefix = top["study_id_prefix"].flatMap { string($0, "study_id_prefix") }
    if let prefix, prefix.range(of: "^[A-Z][A-Z0-9]{1,9}$", options: .regularExpression) == nil {
      problem(
        "study_id_prefix",
        "must be 2–10 upper-case letters or digits starting with a letter (study IDs are PREFIX-SITE-NNNN), got '\(prefix)'"
      )
    }

    var arms: [ProtocolArm]?
    var ratioSum: Int?
    var armCount = 0
    if let node = top["arms"] {
      (arms, ratioSum) = readArms(node)
      if case .sequence(let items) = node { armCount = items.count }
    }
    var randomization: Randomization?
    if let node = top["randomization"] {
      randomization = readRandomization(node, ratioSum: ratioSum)
    } else if armCount > 1 {
      problem("randomization", "missing required key (the protocol has \(armCount) arms)")
    }
    let eligibility = top["eligibility"].flatMap { readEligibility($0, condition: condition) }
    let treatment = top["treatment"].flatMap { readTreatment($0) }
    var visits: [ScheduledVisit]?
    var visitDays: [String: Int?]?
    if let node = top["visits"] { (visits, visitDays) = readVisits(node) }
    let endpoints = top["endpoints"].flatMap {
      readEndpoints($0, condition: condition, visitDays: visitDays)
    }

    guard problems.isEmpty, let code, let version, let title, let condition, let prefix,
      let arms, let eligibility, let treatment, let visits, let endpoints
    else { return nil }
    return TrialProtocol(
      code: code, version: version, title: title, condition: condition, studyIDPrefix: prefix,
      arms: arms, randomization: randomization, eligibility: eligibility, treatment: treatment,
      visits: visits, endpoints: endpoints)
  }

  static func describe(_ error: YamlError) -> String {
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let contextText =
        context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
      return "line \(mark.line), column \(mark.column): \(problem)\(contextText)"
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.sorted().joined(separator: ", ")
      return "line \(context.mark.line), column \(context.mark.column): duplicate key \(keys)"
    default:
      return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
    }
  }

  // MARK: - Sections

  /// Arms when all are valid, and the ratio sum when every ratio is valid (for block sizes).
  mutating func readArms(_ node: Node) -> (arms: [ProtocolArm]?, ratioSum: Int?) {
    guard let items = sequence(node, "arms", nonEmpty: true) else { return (nil, nil) }
    var ratios: [Int] = []
    var receivesFlags: [Bool] = []
    var arms: [ProtocolArm] = []
    var complete = true
    var seen: Set<String> = []
    for (i, item) in items.enumerated() {
      let path = "arms[\(i)]"
      guard
        let fields = mapping(
          item, path, allowed: ["code", "ratio", "receives_msc"],
          required: ["code", "ratio", "receives_msc"])
      else {
        complete = false
        continue
      }
      let code = fields["code"].flatMap { readCode($0, "\(path).code") }
      if let code, !seen.insert(code).inserted {
        problem("\(path).code", "duplicate arm code \(code)")
      }
      let ratio = fields["ratio"].flatMap {
        int($0, "\(path).ratio", rule: "a positive integer") { $0 > 0 }
      }
      let receives = fields["receives_msc"].flatMap { bool($0, "\(path).receives_msc") }
      if let ratio { ratios.append(ratio) }
      if let receives { receivesFlags.append(receives) }
      if let code, let ratio, let receives {
        arms.append(ProtocolArm(code: code, ratio: ratio, receivesMSC: receives))
      } else {
        complete = false
      }
    }
    if receivesFlags.count == items.count && !receivesFlags.contains(true) {
      problem("arms", "no arm receives MSC (receives_msc: true)")
    }
    let ratioSum = ratios.count == items.count ? ratios.reduce(0, +) : nil
    return (complete ? arms : nil, ratioSum)
  }

  mutating func readRandomization(_ node: Node, ratioSum: Int?) -> Randomization? {
    let path = "randomization"
    guard
      let fields = mapping(
        node, path, allowed: ["block_sizes", "stratify_by", "seed"],
        required: ["block_sizes", "seed"])
    else { return nil }
    var blockSizes: [Int]?
    if let node = fields["block_sizes"],
      let items = sequence(node, "\(path).block_sizes", nonEmpty: true)
    {
      var sizes: [Int] = []
      for (i, item) in items.enumerated() {
        let itemPath = "\(path).block_sizes[\(i)]"
        guard let size = int(item, itemPath, rule: "a positive integer", { $0 > 0 }) else {
          continue
        }
        if let ratioSum, ratioSum > 0, size % ratioSum != 0 {
          problem(itemPath, "\(size) is not a multiple of the arms' ratio sum \(ratioSum)")
        }
        sizes.append(size)
      }
      if sizes.count == items.count { blockSizes = sizes }
    }
    var factors: [StratificationFactor] = []
    var factorsValid = true
    if let node = fields["stratify_by"], let items = sequence(node, "\(path).stratify_by") {
      for (i, item) in items.enumerated() {
        let itemPath = "\(path).stratify_by[\(i)]"
        guard
          let factor = enumValue(
            item, itemPath, StratificationFactor.self, noun: "stratification factor")
        else {
          factorsValid = false
          continue
        }
        if factors.contains(factor) {
          problem(itemPath, "\(factor.rawValue) is listed twice")
        }
        factors.append(factor)
      }
    } else if fields["stratify_by"] != nil {
      factorsValid = false
    }
    let seed = fields["seed"].flatMap {
      int($0, "\(path).seed", rule: "an integer ≥ 0") { $0 >= 0 }
    }
    guard let blockSizes, factorsValid, let seed else { return nil }
    return Randomization(blockSizes: blockSizes, stratifyBy: factors, seed: UInt64(seed))
  }

  mutating func readEligibility(_ node: Node, condition: Condition?) -> Eligibility? {
    let path = "eligibility"
    let measureKeys = Measure.allCases.map(\.rawValue)
    guard
      let fields = mapping(
        node, path, allowed: ["age_years", "require_consent"] + measureKeys, required: [],
        unknownHint: "expected age_years, require_consent or a measure")
    else { return nil }
    var valid = true
    var age: Bounds<Int>?
    if let node = fields["age_years"] {
      age = bounds(node, "\(path).age_years") { reader, node, path in
        reader.int(node, path, rule: "an integer 0–120") { (0...120).contains($0) }
      }
      if age == nil { valid = false }
    }
    var requireConsent = true
    if let node = fields["require_consent"] {
      if let value = bool(node, "\(path).require_consent") {
        requireConsent = value
      } else {
        valid = false
      }
    }
    var criteria: [MeasureCriterion] = []
    for (key, node) in fields.pairs {
      guard let measure = Measure(rawValue: key) else { continue }
      let keyPath = "\(path).\(key)"
      if let condition, !measure.applies(to: condition), let owner = measure.condition {
        problem(
          keyPath,
          "\(key) is a\(owner == .sle ? "n" : "") \(owner.rawValue) measure, condition is \(condition.rawValue)"
        )
        valid = false
      }
      if let b = bounds(node, keyPath, { reader, node, path in reader.number(node, path) }) {
        criteria.append(MeasureCriterion(measure: measure, bounds: b))
      } else {
        valid = false
      }
    }
    return valid
      ? Eligibility(ageYears: age, criteria: criteria, requireConsent: requireConsent) : nil
  }

  mutating func readTreatment(_ node: Node) -> TreatmentPlan? {
    let path = "treatment"
    guard
      let fields = mapping(
        node, path,
        allowed: [
          "allowed_sources", "product", "dose_per_kg", "max_infusions",
          "min_days_between_infusions", "release",
        ],
        required: ["allowed_sources", "product", "dose_per_kg", "max_infusions", "release"])
    else { return nil }
    var sources: [TissueSource]?
    if let node = fields["allowed_sources"],
      let items = sequence(node, "\(path).allowed_sources", nonEmpty: true)
    {
      var list: [TissueSource] = []
      for (i, item) in items.enumerated() {
        let itemPath = "\(path).allowed_sources[\(i)]"
        guard let source = enumValue(item, itemPath, TissueSource.self, noun: "tissue source")
        else { continue }
        if list.contains(source) { problem(itemPath, "\(source.rawValue) is listed twice") }
        list.append(source)
      }
      if list.count == items.count { sources = list }
    }
    let product = fields["product"].flatMap {
      enumValue($0, "\(path).product", ProductType.self, noun: "product")
    }
    var dose: Bounds<Double>?
    if let node = fields["dose_per_kg"] {
      let dosePath = "\(path).dose_per_kg"
      if let b = bounds(
        node, dosePath, requireBoth: true,
        { reader, node, path in
          reader.number(node, path, rule: "a number > 0") { $0 > 0 }
        })
      {
        dose = b
      }
    }
    let maxInfusions = fields["max_infusions"].flatMap {
      int($0, "\(path).max_infusions", rule: "an integer ≥ 1") { $0 >= 1 }
    }
    var minDays: Int? = 0
    if let node = fields["min_days_between_infusions"] {
      minDays = int(node, "\(path).min_days_between_infusions", rule: "an integer ≥ 0") { $0 >= 0 }
    }
    var release: ReleaseCriteria?
    if let node = fields["release"] {
      let releasePath = "\(path).release"
      if let r = mapping(
        node, releasePath, allowed: ["min_viability_pct", "max_passage", "isct_markers"],
        required: ["min_viability_pct", "max_passage", "isct_markers"])
      {
        let viability = r["min_viability_pct"].flatMap {
          number($0, "\(releasePath).min_viability_pct", rule: "a percentage 0–100") {
            (0...100).contains($0)
          }
        }
        let passage = r["max_passage"].flatMap {
          int($0, "\(releasePath).max_passage", rule: "an integer ≥ 0") { $0 >= 0 }
        }
        let markers = r["isct_markers"].flatMap { bool($0, "\(releasePath).isct_markers") }
        if let viability, let passage, let markers {
          release = ReleaseCriteria(
            minViabilityPct: viability, maxPassage: passage, isctMarkers: markers)
        }
      }
    }
    guard let sources, let product, let dose, let maxInfusions, let minDays, let release else {
      return nil
    }
    return TreatmentPlan(
      allowedSources: sources, product: product, dosePerKg: dose, maxInfusions: maxInfusions,
      minDaysBetweenInfusions: minDays, release: release)
  }

  /// Visits when all are valid, and every readable visit code with its day (nil when the day is
  /// unreadable), so that endpoints can be checked against a partly broken list.
  mutating func readVisits(_ node: Node) -> (visits: [ScheduledVisit]?, days: [String: Int?]?) {
    guard let items = sequence(node, "visits", nonEmpty: true) else { return (nil, nil) }
    var days: [String: Int?] = [:]
    var visits: [ScheduledVisit] = []
    var complete = true
    var seen: Set<String> = []
    for (i, item) in items.enumerated() {
      let path = "visits[\(i)]"
      guard
        let fields = mapping(
          item, path, allowed: ["code", "day", "window"], required: ["code", "day", "window"])
      else {
        complete = false
        continue
      }
      let code = fields["code"].flatMap { readCode($0, "\(path).code") }
      if let code, !seen.insert(code).inserted {
        problem("\(path).code", "duplicate visit code \(code)")
      }
      let day = fields["day"].flatMap { int($0, "\(path).day", rule: "an integer ≥ 0") { $0 >= 0 } }
      if let code, days[code] == nil { days[code] = .some(day) }
      var window: (Int, Int)?
      if let node = fields["window"] {
        let windowPath = "\(path).window"
        if let parts = sequence(node, windowPath) {
          if parts.count != 2 {
            problem(windowPath, "must be [days before, days after], got \(parts.count) values")
          } else {
            let before = int(parts[0], "\(windowPath)[0]", rule: "an integer", { _ in true })
            let after = int(parts[1], "\(windowPath)[1]", rule: "an integer", { _ in true })
            if let before, let after {
              if before > 0 || after < 0 {
                let dayText = day.map { "day \($0)" } ?? "the visit's day"
                problem(
                  windowPath,
                  "[\(before), \(after)] does not allow \(dayText) itself (days before must be ≤ 0, days after ≥ 0)"
                )
              } else {
                window = (before, after)
              }
            }
          }
        }
      }
      if let code, let day, let window {
        visits.append(ScheduledVisit(code: code, day: day, before: window.0, after: window.1))
      } else {
        complete = false
      }
    }
    return (complete ? visits : nil, days)
  }

  mutating func readEndpoints(_ node: Node, condition: Condition?, visitDays: [String: Int?]?)
    -> [ProtocolEndpoint]?
  {
    guard let items = sequence(node, "endpoints", nonEmpty: true) else { return nil }
    var endpoints: [ProtocolEndpoint] = []
    var complete = true
    var seen: Set<String> = []
    for (i, item) in items.enumerated() {
      let path = "endpoints[\(i)]"
      guard
        let fields = mapping(
          item, path,
          allowed: ["code", "kind", "visit", "measure", "events", "horizons_days", "population"],
          required: ["code", "kind"])
      else {
        complete = false
        continue
      }
      let problemCount = problems.count
      let code = fields["code"].flatMap { readCode($0, "\(path).code") }
      if let code, !seen.insert(code).inserted {
        problem("\(path).code", "duplicate endpoint code \(code)")
      }
      guard
        let kind = fields["kind"].flatMap({
          enumValue($0, "\(path).kind", EndpointKind.self, noun: "kind")
        })
      else {
        complete = false
        continue
      }
      if let condition, let only = kind.condition, only != condition {
        problem(
          path,
          "\(kind.rawValue) is a\(only == .sle ? "n" : "") \(only == .sle ? "SLE" : only.rawValue) endpoint, condition is \(condition.rawValue)"
        )
      }
      let uses: Set<String> =
        switch kind {
        case .survival: ["events", "horizons_days"]
        case .sri4, .renalResponse: ["visit"]
        case .change: ["visit", "measure"]
        }
      if kind != .renalResponse, fields["population"] != nil {
        problem("\(path).population", "not used by \(kind.rawValue) endpoints")
      }
      var populationUPCRMin: Double?
      if kind == .renalResponse, let node = fields["population"] {
        let populationPath = "\(path).population"
        if let population = mapping(
          node, populationPath, allowed: ["upcr_min"], required: ["upcr_min"]),
          let value = population["upcr_min"]
        {
          populationUPCRMin = number(
            value, "\(populationPath).upcr_min", rule: "a UPCR in g/g, > 0 and ≤ 30"
          ) { $0 > 0 && $0 <= 30 }
        }
      }
      for key in ["visit", "measure", "events", "horizons_days"] {
        if uses.contains(key) {
          if fields[key] == nil {
            problem("\(path).\(key)", "missing required key for \(kind.rawValue) endpoints")
          }
        } else if fields[key] != nil {
          problem("\(path).\(key)", "not used by \(kind.rawValue) endpoints")
        }
      }
      var visitCode: String?
      if uses.contains("visit"), let node = fields["visit"],
        let name = string(node, "\(path).visit")
      {
        visitCode = name
        if let visitDays {
          if let day = visitDays[name] {
            if !visitDays.values.contains(0) {
              problem(
                path, "\(kind.rawValue) is measured against baseline, and no visit is on day 0")
            } else if day == 0 {
              problem(
                "\(path).visit",
                "\(name) is the baseline visit (day 0); the endpoint needs a later visit")
            }
          } else {
            problem("\(path).visit", "unknown visit \(name)")
          }
        }
      }
      var measure: Measure?
      if uses.contains("measure"), let node = fields["measure"] {
        measure = enumValue(node, "\(path).measure", Measure.self, noun: "measure")
        if let measure, let condition, !measure.applies(to: condition),
          let owner = measure.condition
        {
          problem(
            "\(path).measure",
            "\(measure.rawValue) is a\(owner == .sle ? "n" : "") \(owner.rawValue) measure, condition is \(condition.rawValue)"
          )
        }
      }
      var events: [ClinicalEventKind] = []
      if uses.contains("events"), let node = fields["events"],
        let list = sequence(node, "\(path).events", nonEmpty: true)
      {
        for (j, eventNode) in list.enumerated() {
          let eventPath = "\(path).events[\(j)]"
          guard let event = enumValue(eventNode, eventPath, ClinicalEventKind.self, noun: "event")
          else { continue }
          if event == .lostToFollowUp {
            problem(eventPath, "lost_to_follow_up is a censoring, not an event")
          } else if events.contains(event) {
            problem(eventPath, "\(event.rawValue) is listed twice")
          }
          events.append(event)
        }
      }
      var horizons: [Int] = []
      if uses.contains("horizons_days"), let node = fields["horizons_days"],
        let list = sequence(node, "\(path).horizons_days", nonEmpty: true)
      {
        for (j, horizonNode) in list.enumerated() {
          let horizonPath = "\(path).horizons_days[\(j)]"
          guard let h = int(horizonNode, horizonPath, rule: "a positive integer", { $0 > 0 }) else {
            continue
          }
          if let last = horizons.last, h <= last {
            problem(
              horizonPath, "\(h) does not follow \(last) (horizons must be strictly increasing)")
          }
          horizons.append(h)
        }
      }
      if problems.count == problemCount, let code {
        endpoints.append(
          ProtocolEndpoint(
            code: code, kind: kind, visit: visitCode, measure: measure, events: events,
            horizonsDays: horizons, populationUPCRMin: populationUPCRMin))
      } else {
        complete = false
      }
    }
    return complete ? endpoints : nil
  }

  // MARK: - Typed readers (each reports its own problem and returns nil on failure)

  /// The keys and values of a mapping node in file order, with lookup by key.
  struct Fields {
    var pairs: [(String, Node)]
    subscript(key: String) -> Node? { pairs.first { $0.0 == key }?.1 }
  }

  mutating func mapping(
    _ node: Node, _ path: String, allowed: [String], required: [String], unknownHint: String? = nil
  ) -> Fields? {
    guard case .mapping(let map) = node else {
      problem(path, "must be a mapping of keys, got \(Self.kindName(node))")
      return nil
    }
    var pairs: [(String, Node)] = []
    for (keyNode, value) in map {
      guard case .scalar(let key) = keyNode else {
        problem(path, "keys must be plain names, got \(Self.kindName(keyNode))")
        continue
      }
      let keyPath = path.isEmpty ? key.string : "\(path).\(key.string)"
      if !allowed.contains(key.string) {
        problem(
          keyPath, "unknown key (\(unknownHint ?? "allowed: " + allowed.joined(separator: ", ")))")
        continue
      }
      pairs.append((key.string, value))
    }
    for key in required where !pairs.contains(where: { $0.0 == key }) {
      problem(path.isEmpty ? key : "\(path).\(key)", "missing required key")
    }
    return Fields(pairs: pairs)
  }

  mutating func sequence(_ node: Node, _ path: String, nonEmpty: Bool = false) -> [Node]? {
    guard case .sequence(let items) = node else {
      problem(path, "must be a list, got \(Self.kindName(node))")
      return nil
    }
    if nonEmpty && items.isEmpty {
      problem(path, "must not be empty")
      return nil
    }
    return Array(items)
  }

  mutating func string(_ node: Node, _ path: String) -> String? {
    guard case .scalar(let scalar) = node, Self.tagName(node) == .str else {
      problem(path, "must be a string, got \(Self.kindName(node))")
      return nil
    }
    // The input rule of every text field (`InputText`): no control character (so no line
    // break), no bidirectional override.
    guard InputText.refusedScalar(in: scalar.string) == nil else {
      problem(path, "must not contain control characters or bidirectional overrides")
      return nil
    }
    return scalar.string
  }

  /// A code of an arm, visit or endpoint: lower-case letters, digits and `_`, starting with a
  /// letter, at most 32 characters.
  mutating func readCode(_ node: Node, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    guard text.range(of: "^[a-z][a-z0-9_]{0,31}$", options: .regularExpression) != nil else {
      problem(
        path,
        "must be lower-case letters, digits or '_' starting with a letter (at most 32), got '\(text)'"
      )
      return nil
    }
    return text
  }

  mutating func int(
    _ node: Node, _ path: String, rule: String, _ valid: (Int) -> Bool
  ) -> Int? {
    guard Self.tagName(node) == .int, let value = node.int, valid(value) else {
      problem(path, "must be \(rule), got \(Self.shown(node))")
      return nil
    }
    return value
  }

  mutating func number(
    _ node: Node, _ path: String, rule: String = "a number",
    _ valid: (Double) -> Bool = { _ in true }
  ) -> Double? {
    var value: Double?
    if Self.tagName(node) == .int {
      value = node.int.map(Double.init)
    } else if Self.tagName(node) == .float {
      value = node.float
    }
    guard let value, value.isFinite, valid(value) else {
      problem(path, "must be \(rule), got \(Self.shown(node))")
      return nil
    }
    return value
  }

  mutating func bool(_ node: Node, _ path: String) -> Bool? {
    guard Self.tagName(node) == .bool, let value = node.bool else {
      problem(path, "must be true or false, got \(Self.shown(node))")
      return nil
    }
    return value
  }

  mutating func enumValue<E: RawRepresentable & CaseIterable>(
    _ node: Node, _ path: String, _ type: E.Type, noun: String
  ) -> E? where E.RawValue == String {
    guard let text = string(node, path) else { return nil }
    guard let value = E(rawValue: text) else {
      let expected = E.allCases.map(\.rawValue)
      let list =
        expected.count == 1
        ? expected[0] : expected.dropLast().joined(separator: ", ") + " or " + expected.last!
      problem(path, "unknown \(noun) \(text) (expected \(list))")
      return nil
    }
    return value
  }

  /// `{min, max}` read with `element`; at least one end (both when `requireBoth`), min ≤ max.
  mutating func bounds<Value>(
    _ node: Node, _ path: String, requireBoth: Bool = false,
    _ element: (inout ProtocolReader, Node, String) -> Value?
  ) -> Bounds<Value>? {
    guard
      let fields = mapping(
        node, path, allowed: ["min", "max"], required: requireBoth ? ["min", "max"] : [])
    else { return nil }
    if !requireBoth && fields.pairs.isEmpty {
      problem(path, "needs min, max or both")
      return nil
    }
    var failed = false
    var lo: Value?
    var hi: Value?
    if let node = fields["min"] {
      lo = element(&self, node, "\(path).min")
      if lo == nil { failed = true }
    }
    if let node = fields["max"] {
      hi = element(&self, node, "\(path).max")
      if hi == nil { failed = true }
    }
    if failed || (requireBoth && (lo == nil || hi == nil)) { return nil }
    if let lo, let hi, lo > hi {
      problem(path, "min \(Self.shownValue(lo)) > max \(Self.shownValue(hi))")
      return nil
    }
    return Bounds(min: lo, max: hi)
  }

  // MARK: - Describing values in messages

  /// The resolved tag of a node (`tag:yaml.org,2002:int` for a plain `12`).
  static func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

  static func kindName(_ node: Node) -> String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    case .scalar:
      switch Self.tagName(node) {
      case .null: return "nothing (null)"
      case .bool: return "a boolean (\(node.scalar?.string ?? ""))"
      case .int: return "an integer (\(node.scalar?.string ?? ""))"
      case .float: return "a number (\(node.scalar?.string ?? ""))"
      default: return "'\(node.scalar?.string ?? "")'"
      }
    }
  }

  static func shown(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar) where Self.tagName(node) != .null: return scalar.string
    default: return kindName(node)
    }
  }

  static func shownValue<Value>(_ value: Value) -> String {
    if let d = value as? Double { return formatNumber(d) }
    return "\(value)"
  }
}
