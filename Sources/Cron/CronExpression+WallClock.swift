/// Field-by-field search over naive wall-clock seconds (no time zone). ``CronSchedule`` maps the
/// results onto instants. Each step jumps to the next allowed value of the first field that fails,
/// so a search costs a handful of iterations, never a scan second by second.
extension CronExpression {
    /// The years a search may look ahead or back before concluding that nothing matches
    /// (the Gregorian calendar repeats every 400 years).
    static let searchYears: Int64 = 401

    /// Whether a civil date matches the day fields, with Vixie cron's OR rule when both are restricted.
    @inline(__always)
    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(day)) != 0
        let dow = daysOfWeek & (1 << UInt64(weekday)) != 0
        switch (dayOfMonthUnrestricted, dayOfWeekUnrestricted) {
        case (true, true): return true
        case (true, false): return dow
        case (false, true): return dom
        case (false, false): return dom || dow
        }
    }

    /// Whether wall-clock seconds (a naive local time) match every field.
    public func matches(wallClockSeconds w: Int64) -> Bool {
        let days = CivilTime.floorDiv(w, CivilTime.secondsPerDay)
        let sod = Int(w - days * CivilTime.secondsPerDay)
        let (_, month, day) = CivilTime.date(days: days)
        return seconds & (1 << UInt64(sod % 60)) != 0
            && minutes & (1 << UInt64(sod / 60 % 60)) != 0
            && hours & (1 << UInt64(sod / 3600)) != 0
            && months & (1 << UInt64(month)) != 0
            && dayMatches(day: day, weekday: CivilTime.weekday(days: days))
    }

    /// False when the day-of-month and month fields can never meet (`0 0 0 30 2 *`) and the
    /// day-of-week field cannot rescue them.
    var canEverFire: Bool {
        guard !dayOfMonthUnrestricted, dayOfWeekUnrestricted else { return true }
        for month in 1...12 where months & (1 << UInt64(month)) != 0 {
            let longest = CivilTime.daysInMonth(year: 2000, month: month)  // 2000 is a leap year
            let mask: UInt64 = (1 << UInt64(longest + 1)) - 1
            if daysOfMonth & mask != 0 { return true }
        }
        return false
    }

    /// The first matching wall-clock second `>= from` and `< limit`, or nil.
    func nextWallClock(from: Int64, limit: Int64) -> Int64? {
        guard from < limit, canEverFire else { return nil }
        var days = CivilTime.floorDiv(from, CivilTime.secondsPerDay)
        let sod = Int(from - days * CivilTime.secondsPerDay)
        var (year, month, day) = CivilTime.date(days: days)
        var h = sod / 3600, m = sod / 60 % 60, s = sod % 60
        let lastYear = year + Self.searchYears

        @inline(__always) func startOfDay() { h = 0; m = 0; s = 0 }
        @inline(__always) func nextDay() {
            days += 1
            day += 1
            if day > CivilTime.daysInMonth(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
            startOfDay()
        }

        while year <= lastYear {
            if days * CivilTime.secondsPerDay >= limit { return nil }
            if months & (1 << UInt64(month)) == 0 {
                let later = months & (~UInt64(0) << UInt64(month + 1))
                if later != 0 {
                    month = later.trailingZeroBitCount
                } else {
                    month = months.trailingZeroBitCount
                    year += 1
                }
                day = 1
                days = CivilTime.days(year: year, month: month, day: 1)
                startOfDay()
                continue
            }
            if !dayMatches(day: day, weekday: CivilTime.weekday(days: days)) {
                nextDay()
                continue
            }
            let laterHours = hours & (~UInt64(0) << UInt64(h))
            if laterHours == 0 { nextDay(); continue }
            let nh = laterHours.trailingZeroBitCount
            if nh != h { h = nh; m = 0; s = 0 }
            let laterMinutes = minutes & (~UInt64(0) << UInt64(m))
            if laterMinutes == 0 {
                m = 0; s = 0; h += 1
                if h == 24 { nextDay() }
                continue
            }
            let nm = laterMinutes.trailingZeroBitCount
            if nm != m { m = nm; s = 0 }
            let laterSeconds = seconds & (~UInt64(0) << UInt64(s))
            if laterSeconds == 0 {
                s = 0; m += 1
                if m == 60 { m = 0; h += 1; if h == 24 { nextDay() } }
                continue
            }
            s = laterSeconds.trailingZeroBitCount
            let result = days * CivilTime.secondsPerDay + Int64(h * 3600 + m * 60 + s)
            return result < limit ? result : nil
        }
        return nil
    }

    /// The last matching wall-clock second `<= through` and `>= floor`, or nil.
    func previousWallClock(through: Int64, floor: Int64) -> Int64? {
        guard through >= floor, canEverFire else { return nil }
        var days = CivilTime.floorDiv(through, CivilTime.secondsPerDay)
        let sod = Int(through - days * CivilTime.secondsPerDay)
        var (year, month, day) = CivilTime.date(days: days)
        var h = sod / 3600, m = sod / 60 % 60, s = sod % 60
        let firstYear = year - Self.searchYears

        @inline(__always) func endOfDay() { h = 23; m = 59; s = 59 }
        @inline(__always) func previousDay() {
            days -= 1
            day -= 1
            if day < 1 {
                month -= 1
                if month < 1 { month = 12; year -= 1 }
                day = CivilTime.daysInMonth(year: year, month: month)
            }
            endOfDay()
        }
        @inline(__always) func highest(_ bits: UInt64, atMost v: Int) -> Int? {
            let masked = bits & (v >= 63 ? ~UInt64(0) : (UInt64(1) << UInt64(v + 1)) - 1)
            return masked == 0 ? nil : 63 - masked.leadingZeroBitCount
        }

        while year >= firstYear {
            if (days + 1) * CivilTime.secondsPerDay <= floor { return nil }
            if months & (1 << UInt64(month)) == 0 {
                if let earlier = highest(months, atMost: month - 1), earlier >= 1 {
                    month = earlier
                } else {
                    month = highest(months, atMost: 12)!
                    year -= 1
                }
                day = CivilTime.daysInMonth(year: year, month: month)
                days = CivilTime.days(year: year, month: month, day: day)
                endOfDay()
                continue
            }
            if !dayMatches(day: day, weekday: CivilTime.weekday(days: days)) {
                previousDay()
                continue
            }
            guard let ph = highest(hours, atMost: h) else { previousDay(); continue }
            if ph != h { h = ph; m = 59; s = 59 }
            guard let pm = highest(minutes, atMost: m) else {
                m = 59; s = 59; h -= 1
                if h < 0 { previousDay() }
                continue
            }
            if pm != m { m = pm; s = 59 }
            guard let ps = highest(seconds, atMost: s) else {
                s = 59; m -= 1
                if m < 0 { m = 59; h -= 1; if h < 0 { previousDay() } }
                continue
            }
            s = ps
            let result = days * CivilTime.secondsPerDay + Int64(h * 3600 + m * 60 + s)
            return result >= floor ? result : nil
        }
        return nil
    }
}
