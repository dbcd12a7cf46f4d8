/// Fills `{name}` placeholders in fixture templates.
///
/// One pass over the template's UTF-8 bytes: generation runs this for every row, and
/// Foundation's `replacingOccurrences` (through CFString on Linux) was most of its cost.
enum Template {
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        output.reserveCapacity(template.utf8.count + 32)
        var utf8 = template.utf8[...]
        while let open = utf8.firstIndex(of: UInt8(ascii: "{")) {
            output += Substring(utf8[..<open])
            let afterOpen = utf8.index(after: open)
            guard let close = utf8[afterOpen...].firstIndex(of: UInt8(ascii: "}")) else {
                utf8 = utf8[open...]
                break
            }
            let name = String(Substring(utf8[afterOpen..<close]))
            if let value = values[name] {
                output += value
            } else {
                output += Substring(utf8[open...close])  // not ours to fill: keep it
            }
            utf8 = utf8[utf8.index(after: close)...]
        }
        output += Substring(utf8)
        return output
    }

    /// A JSON array of strings, escaped per RFC 8259.
    static func jsonArray(_ items: [String]) -> String {
        "[" + items.map(JSONCoding.quoted).joined(separator: ",") + "]"
    }
}
