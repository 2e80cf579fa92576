/// The flow-cytometry marker panel of an MSC lot: percent of cells positive for each marker.
///
/// Every value is optional (not measured) and, when given, lies in 0–100. ISCT minimal
/// criteria (Dominici et al., Cytotherapy 2006): ≥ 95% positive for CD73, CD90 and CD105;
/// ≤ 2% positive for CD45, CD34, CD14 (or CD11b), CD19 (or CD79a) and HLA-DR.
public struct MarkerPanel: Sendable, Hashable, Codable {
  /// CD73 (positive marker), percent.
  public var cd73: Double?
  /// CD90 (positive marker), percent.
  public var cd90: Double?
  /// CD105 (positive marker), percent.
  public var cd105: Double?
  /// CD45 (negative marker), percent.
  public var cd45: Double?
  /// CD34 (negative marker), percent.
  public var cd34: Double?
  /// CD14 or CD11b (negative marker), percent.
  public var cd14: Double?
  /// CD19 or CD79a (negative marker), percent.
  public var cd19: Double?
  /// HLA-DR (negative marker), percent.
  public var hlaDR: Double?

  /// Creates a panel; every marker defaults to "not measured".
  public init(
    cd73: Double? = nil, cd90: Double? = nil, cd105: Double? = nil, cd45: Double? = nil,
    cd34: Double? = nil, cd14: Double? = nil, cd19: Double? = nil, hlaDR: Double? = nil
  ) {
    self.cd73 = cd73
    self.cd90 = cd90
    self.cd105 = cd105
    self.cd45 = cd45
    self.cd34 = cd34
    self.cd14 = cd14
    self.cd19 = cd19
    self.hlaDR = hlaDR
  }

  enum CodingKeys: String, CodingKey {
    case cd73, cd90, cd105, cd45, cd34, cd14, cd19
    case hlaDR = "hla_dr"
  }

  /// One marker of the panel: its name, field, and whether cells must express it.
  public struct Marker: Sendable {
    /// Display name, e.g. `CD73`.
    public let name: String
    /// Its field in the domain's words, e.g. `cd73`, `hla_dr` (`lot add` spells it `--cd73`).
    public let field: String
    /// True for CD73/CD90/CD105 (≥ 95% required), false for the negative markers (≤ 2%).
    public let positive: Bool
    /// Where the value lives.
    public let keyPath: WritableKeyPath<MarkerPanel, Double?> & Sendable
  }

  /// The panel in the order of SPEC §5's options.
  public static let markers: [Marker] = [
    Marker(name: "CD73", field: "cd73", positive: true, keyPath: \.cd73),
    Marker(name: "CD90", field: "cd90", positive: true, keyPath: \.cd90),
    Marker(name: "CD105", field: "cd105", positive: true, keyPath: \.cd105),
    Marker(name: "CD45", field: "cd45", positive: false, keyPath: \.cd45),
    Marker(name: "CD34", field: "cd34", positive: false, keyPath: \.cd34),
    Marker(name: "CD14", field: "cd14", positive: false, keyPath: \.cd14),
    Marker(name: "CD19", field: "cd19", positive: false, keyPath: \.cd19),
    Marker(name: "HLA-DR", field: "hla_dr", positive: false, keyPath: \.hlaDR),
  ]
}
