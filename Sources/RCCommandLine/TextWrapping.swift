/// Fills text into lines of at most a given width, breaking only between words. A word longer
/// than the width gets a line of its own rather than being cut.
enum TextWrapping {
    /// Joins two words that must stay on one line; a plain space in the output.
    static let noBreakSpace: Character = "\u{00A0}"

    /// Each newline-separated paragraph of `text` filled to `width` columns.
    static func wrap(_ text: String, width: Int) -> [String] {
        fill(text, width: width).map { $0.replacingAll(noBreakSpace, with: " ") }
    }

    /// As ``wrap(_:width:)``, with the no-break spaces left in.
    static func fill(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count <= width {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
        }
        return lines
    }
}
