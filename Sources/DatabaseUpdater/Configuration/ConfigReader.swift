import Foundation

/// The type half of a ``ConfigKey``: how a raw value (a YAML scalar, a JSON value, environment
/// or flag text) becomes a `Value`, what is wrong with a value, and how one is shown. One reader
/// serves every source, so a value means the same from a file, the environment and a live update.
struct ConfigReader<Value: Sendable>: Sendable {
    /// The type as the documentation states it ("whole number from 1 to 256").
    let type: String
    /// Reads a raw value at a key path; nil once a problem is recorded (wrong type, unknown name).
    let read: @Sendable (inout ConfigBuilder, Any, String) -> Value?
    /// What is wrong with a value, without the key; nil when it is allowed. Validation asks this
    /// of the effective value, whatever set it, so ranges hold for every source.
    let check: @Sendable (Value) -> String?
    /// The value as `updater config` and the documentation show it.
    let show: @Sendable (Value) -> String
}

extension ConfigReader where Value == String {
    /// Any text.
    static var text: Self { text("text") }

    /// Text, with what is wrong with it (nil when fine).
    static func text(_ type: String, check: @escaping @Sendable (String) -> String? = { _ in nil }) -> Self {
        Self(type: type, read: { $0.string($1, $2) }, check: check, show: { $0 })
    }
}

extension ConfigReader where Value == Bool {
    /// `true` or `false` (also as text, in any case, as the environment gives it).
    static var bool: Self {
        Self(type: "`true` or `false`", read: { $0.bool($1, $2) }, check: { _ in nil }, show: { "\($0)" })
    }
}

extension ConfigReader where Value == Int {
    /// A whole number within `range`; `note` follows the range in messages.
    static func int(_ range: ClosedRange<Int>, _ note: String = "") -> Self {
        let allowed = "from \(range.lowerBound) to \(range.upperBound)"
        return Self(type: "whole number \(allowed)", read: { $0.int($1, $2) },
                    check: { range.contains($0) ? nil : "out of range: must be \(allowed)\(note), got \($0)" }, show: { "\($0)" })
    }
}

extension ConfigReader where Value == Double {
    /// A number within `range` (NaN never is); with `aboveLowerBound`, the lower bound itself is
    /// excluded. `note` follows the range in messages.
    static func number(_ range: ClosedRange<Double>, aboveLowerBound: Bool = false, _ note: String = "") -> Self {
        func bound(_ value: Double) -> String { value.rounded() == value ? "\(Int(value))" : "\(value)" }
        let allowed = aboveLowerBound
            ? "greater than \(bound(range.lowerBound)) and at most \(bound(range.upperBound))"
            : "from \(bound(range.lowerBound)) to \(bound(range.upperBound))"
        return Self(type: "number \(allowed)", read: { $0.number($1, $2) }, check: { value in
            // `contains` is false for NaN, so NaN is out of range too.
            range.contains(value) && !(aboveLowerBound && value == range.lowerBound)
                ? nil : "out of range: must be \(allowed)\(note), got \(value)"
        }, show: { "\($0)" })
    }
}

extension ConfigReader where Value == UInt64 {
    /// A whole number from 0 to 2^64-1.
    static var unsigned64: Self {
        Self(type: "whole number from 0 to \(UInt64.max)", read: { $0.unsigned64($1, $2) }, check: { _ in nil }, show: { "\($0)" })
    }
}

extension ConfigReader where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values; `noun` names what an unknown one is ("level").
    /// - Parameter normalize: applied to the text before it is looked up (spellings users write).
    static func oneOf(_ noun: String, normalize: @escaping @Sendable (String) -> String = { $0 }) -> Self {
        let allowed = Value.allCases.map(\.rawValue)
        return Self(type: "one of " + allowed.map { "`\($0)`" }.joined(separator: ", "), read: { builder, raw, path in
            guard let text = builder.string(raw, path) else { return nil }
            if let value = Value(rawValue: normalize(text)) { return value }
            builder.problems.append("\(path): unknown \(noun) '\(text)' (allowed: \(allowed.joined(separator: ", ")))")
            return nil
        }, check: { _ in nil }, show: { $0.rawValue })
    }
}

extension ConfigReader {
    /// `inner`'s values, or null (nil), which means `meaning` ("keep everything").
    static func optional<Wrapped>(_ inner: ConfigReader<Wrapped>, null meaning: String) -> Self where Value == Wrapped? {
        Self(type: "\(inner.type), or `null` to \(meaning)", read: { builder, raw, path in
            raw is NSNull ? .some(nil) : inner.read(&builder, raw, path).map { .some($0) }
        }, check: { $0.flatMap(inner.check) }, show: { $0.map(inner.show) ?? "null (\(meaning))" })
    }
}
