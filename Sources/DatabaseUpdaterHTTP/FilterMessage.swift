import DatabaseUpdater
import Foundation

/// A WebSocket client's request to change its filter:
/// `{"filter":{"tables":["service_tickets"],"tenants":[],"operations":["insert"]}}` (a missing
/// list lets everything through).
enum FilterMessage {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    private struct Body: Decodable {
        struct Lists: Decodable {
            var tables: [String]?
            var tenants: [String]?
            var operations: [String]?
        }
        var filter: Lists
    }

    static func parse(_ text: String) -> Result<StreamFilter, Problem> {
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(text.utf8)) else {
            return .failure(Problem(description: #"expected {"filter":{"tables":[…],"tenants":[…],"operations":[…]}}"#))
        }
        do {
            return .success(try StreamFilter(tableList: body.filter.tables ?? [], tenantList: body.filter.tenants ?? [],
                                             operationNames: body.filter.operations ?? []))
        } catch {
            return .failure(Problem(description: error.description))
        }
    }

    /// `{"type":"filter","filter":{…}}`: the filter now in force.
    static func acknowledgement(_ filter: StreamFilter) -> String {
        func list(_ values: [String]) -> String { "[" + values.sorted().map(JSONCoding.quoted).joined(separator: ",") + "]" }
        return #"{"type":"filter","filter":{"tables":\#(list(Array(filter.tables))),"tenants":\#(list(Array(filter.tenants))),"#
            + #""operations":\#(list(filter.operations.map(\.rawValue)))}}"#
    }
}
