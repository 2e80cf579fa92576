/// A statement and its bind parameters, built by string interpolation.
///
/// Modelled on postgres-nio's `PostgresQuery`: every interpolated value becomes a bind
/// parameter (`$1`, `$2` … numbered in order), so a value cannot end up in the SQL text by
/// accident. SQL text that is not a literal (a column list, `FOR UPDATE`) needs the explicit
/// `\(unescaped:)` marker, and a query interpolated into another keeps its parameters.
///
/// ```swift
/// let q: PostgresQuery = "SELECT name FROM registry.site WHERE code = \(code) \(unescaped: lock)"
/// ```
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation,
  CustomStringConvertible
{
  /// One piece of the statement: SQL text, or the index of a parameter in `binds`.
  enum Part: Sendable, Hashable {
    case text(String)
    case bind(Int)
  }

  var parts: [Part]
  /// The parameters' text forms (nil is NULL), in the order of their placeholders.
  public private(set) var binds: [String?]

  /// The statement with its `$n` placeholders.
  public var sql: String {
    var text = ""
    for part in parts {
      switch part {
      case .text(let s): text += s
      case .bind(let i): text += "$\(i + 1)"
      }
    }
    return text
  }

  init(parts: [Part], binds: [String?]) {
    self.parts = parts
    self.binds = binds
  }

  /// A statement without parameters.
  public init(stringLiteral value: String) {
    parts = value.isEmpty ? [] : [.text(value)]
    binds = []
  }

  /// A statement built by interpolation (see the type's documentation).
  public init(stringInterpolation: StringInterpolation) {
    parts = stringInterpolation.parts
    binds = stringInterpolation.binds
  }

  /// SQL text given as a value, without parameters (for text assembled from trusted pieces,
  /// such as a generated column list).
  public init(unescaped text: String) {
    self.init(stringLiteral: text)
  }

  /// The statement followed by `other`, whose parameters are renumbered after these.
  public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
    var result = lhs
    result.append(rhs)
    return result
  }

  /// Appends `other`, renumbering its parameters after these.
  public mutating func append(_ other: PostgresQuery) {
    let offset = binds.count
    for part in other.parts {
      switch part {
      case .text(let s): parts.append(.text(s))
      case .bind(let i): parts.append(.bind(i + offset))
      }
    }
    binds += other.binds
  }

  /// The queries joined by `separator` (SQL text), parameters renumbered in order.
  public static func joined(_ queries: [PostgresQuery], separator: String) -> PostgresQuery {
    var result: PostgresQuery = ""
    for (i, query) in queries.enumerated() {
      if i > 0 { result.parts.append(.text(separator)) }
      result.append(query)
    }
    return result
  }

  public var description: String {
    "\(sql) \(binds.map { $0 ?? "NULL" })"
  }

  /// Collects the pieces of an interpolated statement.
  public struct StringInterpolation: StringInterpolationProtocol {
    var parts: [Part] = []
    var binds: [String?] = []

    /// Reserves room for the pieces.
    public init(literalCapacity: Int, interpolationCount: Int) {
      parts.reserveCapacity(interpolationCount * 2 + 1)
      binds.reserveCapacity(interpolationCount)
    }

    /// SQL text written in the literal.
    public mutating func appendLiteral(_ literal: String) {
      if !literal.isEmpty { parts.append(.text(literal)) }
    }

    /// A value: sent as the next bind parameter.
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
      binds.append(value.postgresText)
      parts.append(.bind(binds.count - 1))
    }

    /// A value of a type known only at run time: sent as the next bind parameter.
    public mutating func appendInterpolation(_ value: any PostgresEncodable) {
      binds.append(value.postgresText)
      parts.append(.bind(binds.count - 1))
    }

    /// Values separated by commas, each its own bind parameter (`VALUES (\(list: values))`).
    public mutating func appendInterpolation(list values: [any PostgresEncodable]) {
      for (i, value) in values.enumerated() {
        if i > 0 { parts.append(.text(", ")) }
        appendInterpolation(value)
      }
    }

    /// Another query: its text and its parameters, renumbered after those before it.
    public mutating func appendInterpolation(_ query: PostgresQuery) {
      var soFar = PostgresQuery(parts: parts, binds: binds)
      soFar.append(query)
      (parts, binds) = (soFar.parts, soFar.binds)
    }

    /// SQL text that is not a literal of this statement (a column list, `FOR UPDATE`): the
    /// explicit marker that it is meant as SQL, never a value.
    public mutating func appendInterpolation(unescaped text: String) {
      if !text.isEmpty { parts.append(.text(text)) }
    }
  }
}

extension Connection {
  /// Runs one statement built by `PostgresQuery` and returns its rows.
  @discardableResult
  public func query(_ query: PostgresQuery) throws -> QueryResult {
    try self.query(query.sql, query.binds.map(BoundText.init))
  }
}

/// A parameter already in PostgreSQL's text form (nil is NULL).
struct BoundText: PostgresEncodable {
  let text: String?
  init(_ text: String?) { self.text = text }
  var postgresText: String? { text }
}
