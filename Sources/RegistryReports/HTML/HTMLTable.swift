/// A data table: a header row, body rows, the first column a row header.
///
/// Cells are plain text and are escaped; numeric columns (every column but the first) are
/// right-aligned by the style sheet. A cell that is the suppression mark gets class `mark`.
struct HTMLTable {
  var caption: String?
  var header: [String]
  var rows: [[String]]
  /// Optional swatch colour per row, shown before the row header.
  var swatches: [String?] = []

  var html: String {
    var out = "<table>"
    if let caption { out += Markup.text("caption", [:], caption) }
    out += "<thead><tr>" + header.map { Markup.text("th", ["scope": "col"], $0) }.joined()
    out += "</tr></thead><tbody>"
    for (i, row) in rows.enumerated() {
      out += "<tr>"
      for (j, cell) in row.enumerated() {
        if j == 0 {
          var content = Markup.escape(cell)
          if i < swatches.count, let color = swatches[i] {
            content =
              Markup.element("span", ["class": "dot", "style": "background:\(color)"], "")
              + content
          }
          out += Markup.element("th", ["scope": "row"], content)
        } else {
          out +=
            cell.hasPrefix("<") || cell.hasPrefix("≥")
            ? Markup.text("td", ["class": "mark"], cell) : Markup.text("td", [:], cell)
        }
      }
      out += "</tr>"
    }
    return out + "</tbody></table>"
  }
}
