/// Plain-English descriptions of cron expressions, for `updater cron explain` and `updater config`.
extension CronExpression {
    private static let monthNames = ["", "January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"]
    private static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// Describes when the expression fires, e.g. `0 0 9-17/2 * * 1-5` →
    /// "at second 0 of minute 0, every 2 hours from 09:00 through 17:00, Monday through Friday".
    public func explain() -> String {
        var parts = [timePhrase()]
        if let days = dayPhrase() { parts.append(days) }
        if let months = monthPhrase() { parts.append(months) }
        return parts.joined(separator: ", ")
    }

    // MARK: - Time of day

    private var secondElements: [Element] { elements[CronField.second.rawValue] }
    private var minuteElements: [Element] { elements[CronField.minute.rawValue] }
    private var hourElements: [Element] { elements[CronField.hour.rawValue] }

    private static func single(_ elements: [Element]) -> Int? {
        elements.count == 1 && elements[0].isSingle ? elements[0].start : nil
    }

    private static func isEvery(_ elements: [Element]) -> Bool {
        elements.count == 1 && elements[0].isWildcard && elements[0].step == 1
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    private func timePhrase() -> String {
        let s = Self.single(secondElements), m = Self.single(minuteElements), h = Self.single(hourElements)
        if let s, let m, let h {
            return "at \(Self.two(h)):\(Self.two(m))" + (s == 0 ? "" : ":\(Self.two(s))")
        }
        if let m, let h {
            return "\(Self.fieldPhrase(secondElements, unit: "second")) of minute \(Self.two(h)):\(Self.two(m))"
        }
        if let m {
            let secondPart = s.map { "at second \($0)" } ?? Self.fieldPhrase(secondElements, unit: "second")
            return "\(secondPart) of minute \(m), \(hourPhrase())"
        }
        // The minute field varies: lead with it; a zero second is implied ("every 2 minutes").
        var phrase: String
        if s == 0 {
            phrase = Self.fieldPhrase(minuteElements, unit: "minute")
        } else if let s {
            phrase = "at second \(s) of \(Self.fieldPhrase(minuteElements, unit: "minute"))"
        } else if Self.isEvery(minuteElements) {
            phrase = Self.fieldPhrase(secondElements, unit: "second")
        } else {
            phrase = "\(Self.fieldPhrase(secondElements, unit: "second")), \(Self.fieldPhrase(minuteElements, unit: "minute"))"
        }
        if Self.isEvery(hourElements) { return phrase }
        let hourBits = hours
        let firstHour = hourBits.trailingZeroBitCount, lastHour = 63 - hourBits.leadingZeroBitCount
        let contiguous = hourBits >> UInt64(firstHour) == (UInt64(1) << UInt64(lastHour - firstHour + 1)) - 1
        if contiguous {
            let firstMinute = minutes.trailingZeroBitCount, lastMinute = 63 - minutes.leadingZeroBitCount
            phrase += " from \(Self.two(firstHour)):\(Self.two(firstMinute)) through \(Self.two(lastHour)):\(Self.two(lastMinute))"
        } else {
            phrase += ", during \(hourPhrase())"
        }
        return phrase
    }

    private func hourPhrase() -> String {
        if Self.isEvery(hourElements) { return "every hour" }
        let described = hourElements.map { e -> String in
            if e.isSingle { return "\(Self.two(e.start)):00" }
            let span = "from \(Self.two(e.start)):00 through \(Self.two(e.end)):00"
            if e.step == 1 { return "every hour \(span)" }
            return e.isWildcard && e.start == 0 && e.end == 23 ? "every \(e.step) hours" : "every \(e.step) hours \(span)"
        }
        return (hourElements.allSatisfy(\.isSingle) ? "at hours " : "") + Self.list(described)
    }

    /// A phrase for a second or minute field: "every second", "every 15 seconds", "seconds 0, 15 and 30", …
    private static func fieldPhrase(_ elements: [Element], unit: String) -> String {
        if isEvery(elements) { return "every \(unit)" }
        if elements.allSatisfy(\.isSingle) {
            let values = elements.map { "\($0.start)" }
            return values.count == 1 ? "at \(unit) \(values[0])" : "at \(unit)s \(list(values))"
        }
        return list(elements.map { e in
            if e.isSingle { return "\(unit) \(e.start)" }
            let every = e.step == 1 ? "every \(unit)" : "every \(e.step) \(unit)s"
            if e.isWildcard { return every }
            return "\(every) from \(unit) \(e.start) through \(e.end)"
        })
    }

    // MARK: - Days and months

    private func dayPhrase() -> String? {
        let domText = dayOfMonthUnrestricted ? nil : Self.domPhrase(elements[CronField.dayOfMonth.rawValue])
        let dowText = dayOfWeekUnrestricted ? nil : Self.dowPhrase(elements[CronField.dayOfWeek.rawValue])
        switch (domText, dowText) {
        case (nil, nil): return nil
        case (let d?, nil): return d
        case (nil, let w?): return w
        case (let d?, let w?): return "\(d) or \(w)"
        }
    }

    private static func domPhrase(_ elements: [Element]) -> String {
        if elements.count == 1, elements[0].isWildcard {
            let step = elements[0].step
            return step == 1 ? "every day of the month" : "every \(ordinal(step)) day of the month (from the 1st)"
        }
        let parts = elements.map { e -> String in
            if e.isSingle { return "\(e.start)" }
            let span = "\(e.start) through \(e.end)"
            return e.step == 1 ? span : "every \(e.step) days from \(span)"
        }
        let plural = elements.count > 1 || !elements[0].isSingle
        return "on day\(plural ? "s" : "") \(list(parts)) of the month"
    }

    private static func dowPhrase(_ elements: [Element]) -> String {
        let parts = elements.map { e -> String in
            if e.isSingle { return dayNames[e.start] }
            if e.step == 1 { return "\(dayNames[e.start]) through \(dayNames[e.end])" }
            var names: [String] = []
            var v = e.start
            while v <= e.end { names.append(dayNames[v]); v += e.step }
            return list(names)
        }
        let text = list(parts)
        return parts.count == 1 && elements[0].step == 1 && !elements[0].isSingle ? text : "on \(text)"
    }

    private func monthPhrase() -> String? {
        let elems = elements[CronField.month.rawValue]
        if Self.isEvery(elems) { return nil }
        let parts = elems.map { e -> String in
            if e.isSingle { return Self.monthNames[e.start] }
            if e.step == 1 { return "\(Self.monthNames[e.start]) through \(Self.monthNames[e.end])" }
            var names: [String] = []
            var v = e.start
            while v <= e.end { names.append(Self.monthNames[v]); v += e.step }
            return Self.list(names)
        }
        return "in \(Self.list(parts))"
    }

    // MARK: - Words

    private static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    private static func ordinal(_ n: Int) -> String {
        if n == 1 { return "" }
        let suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][n % 10]
        return "\(n)\(suffix)"
    }
}
