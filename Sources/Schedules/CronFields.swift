/// The compiled form of a cron expression's fields: one bitset per field, and the days of a
/// month that match, precomputed for each of the 28 kinds of month there are (7 weekdays of
/// the 1st times 4 lengths), so `L`, `W`, `#` and the day-of-month/day-of-week rule cost a
/// table lookup at search time.
struct CronFields: Sendable, Hashable {
    var seconds: UInt64  // bits 0-59
    var minutes: UInt64  // bits 0-59
    var hours: UInt64  // bits 0-23
    var months: UInt64  // bits 1-12
    /// `dayTable[firstWeekday * 4 + (length - 28)]`: bits 1-31 of the matching days.
    var dayTable: [UInt32]

    @inline(__always)
    static func nextBit(_ mask: UInt64, atOrAfter i: Int) -> Int? {
        guard i < 64 else { return nil }
        let rest = mask & (~UInt64(0) << UInt64(i))
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    /// The first second of the day at or after `secondOfDay` whose hour, minute and second match.
    @inline(__always)
    func nextTimeOfDay(atOrAfter secondOfDay: Int) -> Int? {
        var h = secondOfDay / 3600
        var m = secondOfDay / 60 % 60
        var s = secondOfDay % 60
        while true {
            guard let nh = Self.nextBit(hours, atOrAfter: h) else { return nil }
            if nh != h { h = nh; m = 0; s = 0 }
            guard let nm = Self.nextBit(minutes, atOrAfter: m) else {
                h += 1; m = 0; s = 0
                continue
            }
            if nm != m { m = nm; s = 0 }
            guard let ns = Self.nextBit(seconds, atOrAfter: s) else {
                m += 1; s = 0
                if m == 60 { h += 1; m = 0 }
                continue
            }
            return h * 3600 + m * 60 + ns
        }
    }

    /// The earliest matching wall second in `from ... through`, or nil if there is none.
    ///
    /// A pure calendar search: it knows nothing of zones. It skips whole months, days, hours and
    /// minutes with the bitsets. It gives up after 1,000 years, which only an expression that
    /// can never fire would reach (those are rejected when parsed).
    func nextMatch(from: Int64, through limit: Int64) -> Int64? {
        guard from <= limit else { return nil }
        var days = CivilCalendar.floorDiv(from, CivilCalendar.secondsPerDay)
        var secondOfDay = Int(from - days * CivilCalendar.secondsPerDay)
        var (year, month, day) = CivilCalendar.date(days: days)
        let limitDays = CivilCalendar.floorDiv(limit, CivilCalendar.secondsPerDay)
        let lastYear = year + 1000
        while true {
            if days > limitDays || year > lastYear { return nil }
            if months & (1 << UInt64(month)) == 0 {
                if let next = Self.nextBit(months, atOrAfter: month + 1) {
                    month = next
                } else {
                    year += 1
                    month = months.trailingZeroBitCount
                }
                day = 1
                secondOfDay = 0
                days = CivilCalendar.days(year: year, month: month, day: 1)
                continue
            }
            let length = CivilCalendar.daysInMonth(year: year, month: month)
            let firstWeekday = CivilCalendar.weekday(days: days - Int64(day - 1))
            let matching = dayTable[firstWeekday &* 4 &+ length &- 28] & (~UInt32(0) << UInt32(day))
            if matching == 0 {
                month += 1
                if month == 13 { month = 1; year += 1 }
                day = 1
                secondOfDay = 0
                days = CivilCalendar.days(year: year, month: month, day: 1)
                continue
            }
            let nextDay = matching.trailingZeroBitCount
            if nextDay != day {
                days += Int64(nextDay - day)
                day = nextDay
                secondOfDay = 0
                if days > limitDays { return nil }
            }
            if let time = nextTimeOfDay(atOrAfter: secondOfDay) {
                let result = days * CivilCalendar.secondsPerDay + Int64(time)
                return result <= limit ? result : nil
            }
            days += 1
            day += 1
            secondOfDay = 0
            if day > length {
                day = 1
                month += 1
                if month == 13 { month = 1; year += 1 }
            }
        }
    }

    /// Whether any month of the month field has a matching day (the expression can fire).
    var canFire: Bool {
        guard seconds != 0, minutes != 0, hours != 0 else { return false }
        for month in 1...12 where months & (1 << UInt64(month)) != 0 {
            let lengths = month == 2 ? [28, 29] : [CivilCalendar.daysInMonth(year: 2001, month: month)]
            for firstWeekday in 0..<7 {
                for length in lengths where dayTable[firstWeekday * 4 + length - 28] != 0 {
                    return true
                }
            }
        }
        return false
    }
}

/// The day-of-month and day-of-week parts of an expression, before they become a day table.
struct DayRule: Sendable, Hashable {
    var monthDays: UInt32 = 0  // bits 1-31
    var lastDay = false  // L
    var lastWeekday = false  // LW
    var nearestWeekday: UInt32 = 0  // nW: bits 1-31
    var weekdays: UInt8 = 0  // bits 0-6
    var nthWeekday: [UInt8] = Array(repeating: 0, count: 7)  // per weekday, bits 1-5: n#k
    var lastOfWeekday: UInt8 = 0  // bits 0-6: nL
    /// Vixie's rule: when either field starts with `*` (or `?`), a day must match both.
    var matchBoth = true

    func matchesDayOfMonth(_ day: Int, length: Int, firstWeekday: Int) -> Bool {
        if monthDays & (1 << UInt32(day)) != 0 { return true }
        if lastDay && day == length { return true }
        let weekday = (firstWeekday + day - 1) % 7
        if lastWeekday {
            let lastWeekdayOfMonth = (firstWeekday + length - 1) % 7
            let target = lastWeekdayOfMonth == 6 ? length - 1 : lastWeekdayOfMonth == 0 ? length - 2 : length
            if day == target { return true }
        }
        if nearestWeekday != 0 && weekday != 0 && weekday != 6 {
            // day is a weekday: is it the nearest weekday of some nW inside this month?
            for n in max(1, day - 2)...min(length, day + 2) where nearestWeekday & (1 << UInt32(n)) != 0 {
                let w = (firstWeekday + n - 1) % 7
                let target: Int
                switch w {
                case 6: target = n == 1 ? n + 2 : n - 1
                case 0: target = n == length ? n - 2 : n + 1
                default: target = n
                }
                if target == day { return true }
            }
        }
        return false
    }

    func matchesDayOfWeek(_ day: Int, length: Int, firstWeekday: Int) -> Bool {
        let weekday = (firstWeekday + day - 1) % 7
        if weekdays & (1 << UInt8(weekday)) != 0 { return true }
        if nthWeekday[weekday] & (1 << UInt8((day - 1) / 7 + 1)) != 0 { return true }
        if lastOfWeekday & (1 << UInt8(weekday)) != 0 && day + 7 > length { return true }
        return false
    }

    /// Which days match, per first weekday and month length (see ``CronFields``). Built once per
    /// distinct rule: jobs mostly share a few (building one checks 868 days, and took 9% of
    /// validating 10,000 files).
    var table: [UInt32] {
        DayRule.tables.value(for: self) { buildTable() }
    }

    private static let tables = ParseMemo<DayRule, [UInt32]>()

    private func buildTable() -> [UInt32] {
        var table = [UInt32](repeating: 0, count: 28)
        for firstWeekday in 0..<7 {
            for length in 28...31 {
                var mask: UInt32 = 0
                for day in 1...length {
                    let dom = matchesDayOfMonth(day, length: length, firstWeekday: firstWeekday)
                    let dow = matchesDayOfWeek(day, length: length, firstWeekday: firstWeekday)
                    if matchBoth ? (dom && dow) : (dom || dow) { mask |= 1 << UInt32(day) }
                }
                table[firstWeekday * 4 + length - 28] = mask
            }
        }
        return table
    }
}
