/// A statement's SQL text as the key of a connection's prepared-statement cache. Equal when the
/// texts are; hashed from the length and the last 64 bytes only: hashing every byte of a long
/// insert each time it runs was a few percent of an execution (callgrind), and texts that share
/// length and ending are rare enough for the full comparison to settle them.
struct StatementKey: Hashable {
    let sql: String

    func hash(into hasher: inout Hasher) {
        var sql = sql
        sql.withUTF8 { utf8 in
            hasher.combine(utf8.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[max(0, utf8.count - 64)...])))
        }
    }
}
