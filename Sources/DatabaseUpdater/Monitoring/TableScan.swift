import Foundation

/// One table's scan compared with its previous hashes: reads every row in key order inside the
/// caller's snapshot, hashes it, and sorts it into new, modified or unchanged; what the scan did
/// not meet was deleted. Synchronous: it runs inside a connection's body, on a database thread.
struct TableScan {
    /// How many new or modified rows carry display fields (the alert lists these).
    static let listedRows = 20
    /// How many display fields such a row carries besides its key.
    static let listedFields = 3

    let table: WatchedTable
    let previous: TableHashes?

    /// The check's findings and the hashes to keep for the next one.
    func run(on connection: any SQLConnection, database: String, at checkedAt: Date) throws(DatabaseError) -> (TableCheck, TableHashes) {
        var digester = RowDigester(columns: table.columns, keyColumns: table.keyColumns)
        var current = TableHashes(columns: table.columns)
        var matcher = KeyMatcher(keys: previous?.keys ?? [])
        var seen = [Bool](repeating: false, count: previous?.count ?? 0)
        // Old column position for each current column (nil: a new column).
        let oldColumn = table.columns.map { previous?.columns.firstIndex(of: $0) }
        var check = TableCheck(table: table.name, database: database, checkedAt: checkedAt, baseline: previous == nil,
                               keyColumns: table.keyColumns, previousCount: previous?.count, currentCount: 0)
        let labels = Self.labelColumns(table)
        try connection.forEachRow(table.scanSQL, []) { row in
            let key = digester.key(of: row)
            let hash = digester.digest(row, columnHashes: &current.columnHashes)
            current.keys.append(key)
            current.hashes.append(hash)
            guard let previous else { return }
            guard let position = matcher.position(of: key) else {
                let fields = check.inserted.count < Self.listedRows ? Self.fields(of: row, columns: labels) : nil
                check.inserted.append(.init(key: key, fields: fields))
                return
            }
            seen[position] = true
            guard previous.hashes[position] != hash else { return }
            let old = previous.columnHashes(ofRow: position)
            let new = current.columnHashes.suffix(table.columns.count)
            let changed = table.columns.indices.filter { index in
                guard let was = oldColumn[index] else { return false }
                return old[old.startIndex + was] != new[new.startIndex + index]
            }.map { table.columns[$0] }
            let fields = check.modified.count < Self.listedRows ? Self.fields(of: row, columns: Array(changed.prefix(Self.listedFields))) : nil
            check.modified.append(.init(key: key, fields: fields, changedColumns: changed))
        }
        check.currentCount = current.count
        check.maxId = current.keys.last
        if let previous {
            check.deleted = seen.indices.lazy.filter { !seen[$0] }.map { TableCheck.ChangedRow(key: previous.keys[$0]) }
            check.columnsAdded = table.columns.filter { !previous.columns.contains($0) }
            check.columnsRemoved = previous.columns.filter { !table.columns.contains($0) }
        }
        return (check, current)
    }

    /// The columns that name a row to a reader, besides its key: numbers, names, titles,
    /// e-mails, statuses first, then other columns, at most ``listedFields``.
    static func labelColumns(_ table: WatchedTable) -> [String] {
        let hints = ["number", "name", "title", "subject", "email", "status", "code"]
        let others = table.columns.filter { !table.keyColumns.contains($0) }
        let ranked = others.enumerated().sorted { a, b in
            let ra = hints.firstIndex { a.element.lowercased().contains($0) } ?? hints.count
            let rb = hints.firstIndex { b.element.lowercased().contains($0) } ?? hints.count
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
        return Array(ranked.prefix(listedFields))
    }

    /// `columns`' values in `row`, each shortened to 60 characters.
    static func fields(of row: DatabaseRow, columns: [String]) -> [TableCheck.Field] {
        columns.map { column in
            let text = RowImage.text(row[column])
            return TableCheck.Field(column: column, value: text.map { $0.count > 60 ? String($0.prefix(59)) + "…" : $0 })
        }
    }
}
