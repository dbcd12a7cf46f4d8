import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

extension Engine: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

extension SQLDialect {
    /// Column types for ad-hoc test tables.
    var testTypes: (int: String, double: String, bool: String, time: String, uuid: String) {
        switch self {
        case .sqlite: ("INTEGER", "REAL", "INTEGER", "TEXT", "TEXT")
        case .postgres: ("BIGINT", "DOUBLE PRECISION", "BOOLEAN", "TIMESTAMPTZ", "UUID")
        }
    }
}
