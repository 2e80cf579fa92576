import Foundation

/// A one-line progress bar on standard error, redrawn in place (`\r`), only when standard
/// error is a terminal (`Output.showsProgress`); otherwise it prints nothing.
struct ProgressBar {
  private var last = ""
  private var drawn = false

  /// Draws `label` with `done` of `total` (redrawn only when the line changes).
  mutating func show(_ label: String, done: Int, of total: Int) {
    guard Output.showsProgress, total > 0 else { return }
    let width = 30
    let filled = min(width, width * done / total)
    let line =
      "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      + "] \(done)/\(total) \(label)"
    guard line != last else { return }
    let padding = String(repeating: " ", count: max(0, last.count - line.count))
    CommandContext.current.standardError.write("\r" + line + padding)
    last = line
    drawn = true
  }

  /// Ends the bar's line (when one was drawn).
  mutating func finish() {
    guard drawn else { return }
    CommandContext.current.standardError.write("\n")
    drawn = false
  }
}
