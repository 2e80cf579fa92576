/// Colours and dash patterns of the report's charts.
///
/// Groups get the Okabe–Ito colours (distinguishable with the common colour-vision
/// deficiencies) and, so that a black-and-white print still tells them apart, a dash pattern.
enum ReportPalette {
  /// Group colours, in group order (cycled).
  static let groups = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#332288", "#882255",
  ]
  /// Dash patterns, in group order (cycled; empty: solid).
  static let dashes = ["", "7 4", "2 3", "10 3 2 3"]
  /// CTCAE grades 1…5, pale to dark.
  static let grades = ["#FCE38A", "#F9B24E", "#EE6A2E", "#C62828", "#5D1010"]
  /// Text colour that reads on each grade's fill.
  static let gradeText = ["#3a2a00", "#3a2a00", "#ffffff", "#ffffff", "#ffffff"]

  /// The colour of group `index`.
  static func color(_ index: Int) -> String { groups[index % groups.count] }

  /// The dash pattern of group `index`.
  static func dash(_ index: Int) -> String { dashes[index % dashes.count] }
}
