/// Turns the text of a cron expression into ``CronFields``: the dialect of DESIGN.md §3.
struct CronParser {
    enum Field: Int, CaseIterable {
        case second, minute, hour, dayOfMonth, month, dayOfWeek

        var name: String {
            switch self {
            case .second: "second"
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        var bounds: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value of the first name (JAN = 1, SUN = 0).
        var firstNameValue: Int { self == .month ? 1 : 0 }

        var notAValue: String {
            switch self {
            case .month: "is not a month (1-12 or JAN-DEC)"
            case .dayOfWeek: "is not a day of the week (0-7 or SUN-SAT)"
            default: "is not a number"
            }
        }
    }

    /// One field of the expression as written, with its 1-based column.
    struct Token {
        let text: String
        let column: Int
    }

    /// What one field contributes.
    struct FieldValue {
        var values: UInt64 = 0
        var day = DayRule()  // only L, LW, nW, n#k, nL parts are used here
    }

    struct Result {
        var fields: CronFields
        var hasSecondsField: Bool
        var isFixedTime: Bool
        var interval: JobDuration?
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *", "@first-weekday": "0 0 1W * *",
    ]

    static func tokens(of text: String, startingAt column: Int = 1) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var start = 0
        var col = column
        for ch in text {
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" {
                if !current.isEmpty { tokens.append(Token(text: current, column: start)) }
                current = ""
            } else {
                if current.isEmpty { start = col }
                current.append(ch)
            }
            col += 1
        }
        if !current.isEmpty { tokens.append(Token(text: current, column: start)) }
        return tokens
    }

    static func parse(_ text: String) throws(CronParseError) -> Result {
        let tokens = tokens(of: text)
        guard let first = tokens.first else {
            throw CronParseError(column: 1, message: "empty expression: expected 5 fields (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a macro such as @daily")
        }
        if first.text.hasPrefix("@") {
            return try parseMacro(text, tokens: tokens)
        }
        guard tokens.count == 5 || tokens.count == 6 else {
            let column = tokens.count > 6 ? tokens[6].column : text.count + 1
            throw CronParseError(
                column: column,
                message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with a leading seconds field), found \(tokens.count)"
            )
        }
        return try parseFields(tokens)
    }

    static func parseMacro(_ text: String, tokens: [Token]) throws(CronParseError) -> Result {
        let first = tokens[0]
        let name = first.text.lowercased()
        if name == "@every" {
            guard tokens.count > 1 else {
                throw CronParseError(column: first.column + first.text.count, message: "@every needs a duration, e.g. @every 15m")
            }
            let durationColumn = tokens[1].column
            let durationText = String(text.dropFirst(durationColumn - 1)).trimmingWhitespace()
            let duration: JobDuration
            do {
                duration = try JobDuration(durationText)
            } catch {
                throw CronParseError(column: durationColumn + error.column - 1, message: "@every: \(error.message)")
            }
            guard duration.milliseconds > 0 else {
                throw CronParseError(column: durationColumn, message: "@every: the interval must be longer than 0")
            }
            return Result(
                fields: CronFields(seconds: 0, minutes: 0, hours: 0, months: 0, dayTable: []),
                hasSecondsField: false, isFixedTime: false, interval: duration)
        }
        if name == "@reboot" {
            throw CronParseError(column: first.column, message: "@reboot is not supported: a schedule fires at times, not when a machine starts")
        }
        guard let expansion = macros[name] else {
            throw CronParseError(
                column: first.column,
                message: "unknown macro \(first.text): expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @first-weekday or @every DURATION"
            )
        }
        if tokens.count > 1 {
            throw CronParseError(column: tokens[1].column, message: "\(name) takes nothing after it")
        }
        // The expansion is well-formed; positions inside it all point at the macro.
        let expanded = Self.tokens(of: expansion).map { Token(text: $0.text, column: first.column) }
        return try parseFields(expanded)
    }

    static func parseFields(_ tokens: [Token]) throws(CronParseError) -> Result {
        let hasSeconds = tokens.count == 6
        let kinds: [Field] = hasSeconds
            ? [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek]
            : [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        var values: [Field: FieldValue] = [:]
        for (token, kind) in zip(tokens, kinds) {
            values[kind] = try parseField(token, kind)
        }
        let minute = tokens[hasSeconds ? 1 : 0]
        let hour = tokens[hasSeconds ? 2 : 1]
        let dom = tokens[hasSeconds ? 3 : 2]
        let dow = tokens[hasSeconds ? 5 : 4]
        func star(_ t: Token) -> Bool { t.text.hasPrefix("*") || t.text.hasPrefix("?") }

        let domValue = values[.dayOfMonth]!
        let dowValue = values[.dayOfWeek]!
        var rule = domValue.day
        rule.monthDays = UInt32(truncatingIfNeeded: domValue.values)
        var weekdays = dowValue.values
        if weekdays & (1 << 7) != 0 { weekdays = (weekdays | 1) & 0x7F }
        rule.weekdays = UInt8(truncatingIfNeeded: weekdays)
        rule.nthWeekday = dowValue.day.nthWeekday
        rule.lastOfWeekday = dowValue.day.lastOfWeekday
        rule.matchBoth = star(dom) || star(dow)

        let fields = CronFields(
            seconds: hasSeconds ? values[.second]!.values : 1,
            minutes: values[.minute]!.values,
            hours: values[.hour]!.values,
            months: values[.month]!.values,
            dayTable: rule.table
        )
        if !fields.canFire {
            throw neverFires(fields: fields, rule: rule, dom: dom, dow: dow)
        }
        return Result(
            fields: fields, hasSecondsField: hasSeconds,
            isFixedTime: !hasSeconds && !star(minute) && !star(hour), interval: nil)
    }

    static func neverFires(fields: CronFields, rule: DayRule, dom: Token, dow: Token) -> CronParseError {
        let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                          "September", "October", "November", "December"]
        let chosen = (1...12).filter { fields.months & (1 << UInt64($0)) != 0 }.map { monthNames[$0 - 1] }
        let inMonths = chosen.count == 12 ? "any month" : chosen.joined(separator: " or ")
        var domOnly = rule
        domOnly.matchBoth = true
        domOnly.weekdays = 0x7F
        domOnly.nthWeekday = Array(repeating: 0, count: 7)
        domOnly.lastOfWeekday = 0
        var domFields = fields
        domFields.dayTable = domOnly.table
        if !domFields.canFire {
            return CronParseError(column: dom.column, message: "day-of-month field: \(dom.text) never occurs in \(inMonths), so the expression can never fire")
        }
        return CronParseError(
            column: dow.column,
            message: "day-of-week field: \(dow.text) never falls on a day of month \(dom.text) in \(inMonths), so the expression can never fire (both must match because one of them starts with *)"
        )
    }

    static func parseField(_ token: Token, _ kind: Field) throws(CronParseError) -> FieldValue {
        var result = FieldValue()
        var itemStart = token.column
        for item in token.text.split(separator: ",", omittingEmptySubsequences: false) {
            let itemText = String(item)
            if itemText.isEmpty {
                throw CronParseError(column: itemStart, message: "\(kind.name) field: empty entry in the list \(token.text)")
            }
            try parseItem(itemText, column: itemStart, kind, into: &result)
            itemStart += itemText.count + 1
        }
        return result
    }

    static func fail(_ kind: Field, _ column: Int, _ message: String) -> CronParseError {
        CronParseError(column: column, message: "\(kind.name) field: \(message)")
    }

    /// A single value: a number in the field's bounds or (month, day-of-week) a name.
    static func value(_ text: Substring, column: Int, _ kind: Field) throws(CronParseError) -> Int {
        if text.isEmpty {
            throw fail(kind, column, "a value is missing")
        }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let number = text.count > 9 ? Int.max : Int(text)!
            guard kind.bounds.contains(number) else {
                throw fail(kind, column, "\(text) is out of range \(kind.bounds.lowerBound)-\(kind.bounds.upperBound)")
            }
            return number
        }
        if let index = kind.names.firstIndex(of: text.uppercased()) {
            return index + kind.firstNameValue
        }
        let upper = text.uppercased()
        if kind != .dayOfMonth && kind != .dayOfWeek && (upper == "L" || upper.hasSuffix("W") || upper == "LW") {
            throw fail(kind, column, "\(text): L and W are only allowed in the day-of-month field (and nL in day-of-week)")
        }
        if kind != .dayOfWeek && text.contains("#") {
            throw fail(kind, column, "\(text): # is only allowed in the day-of-week field")
        }
        throw fail(kind, column, "\(text) \(kind.notAValue)")
    }

    static func parseItem(_ item: String, column: Int, _ kind: Field, into result: inout FieldValue) throws(CronParseError) {
        let upper = item.uppercased()
        if kind == .dayOfMonth {
            if upper == "L" { result.day.lastDay = true; return }
            if upper == "LW" { result.day.lastWeekday = true; return }
            if upper.hasPrefix("L") {
                throw fail(kind, column, "\(item) is not supported: write L (last day), LW (last weekday) or nW (nearest weekday to day n)")
            }
            if upper.hasSuffix("W") {
                let dayText = item.dropLast()
                guard !dayText.isEmpty, dayText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw fail(kind, column, "\(item): W needs a single day before it, e.g. 15W")
                }
                let day = try value(dayText, column: column, kind)
                result.day.nearestWeekday |= 1 << UInt32(day)
                return
            }
        }
        if kind == .dayOfWeek {
            if let hash = item.firstIndex(of: "#") {
                let weekdayText = item[..<hash]
                let nthText = item[item.index(after: hash)...]
                if weekdayText.contains(where: { "-*/?".contains($0) }) {
                    throw fail(kind, column, "\(item): # needs a single weekday before it, e.g. 5#3 for the third Friday")
                }
                let weekday = try value(weekdayText, column: column, kind) % 7
                let nthColumn = column + weekdayText.count + 1
                guard !nthText.isEmpty, nthText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw fail(kind, nthColumn, "\(item): \(nthText.isEmpty ? "a number is missing after #" : "\(nthText) is not a number")")
                }
                let nth = nthText.count > 9 ? Int.max : Int(nthText)!
                guard nth >= 1 else { throw fail(kind, nthColumn, "\(item): the occurrence must be 1-5") }
                guard nth <= 5 else { throw fail(kind, nthColumn, "\(item): a month has at most 5 of a weekday") }
                result.day.nthWeekday[weekday] |= 1 << UInt8(nth)
                return
            }
            if upper.hasSuffix("L") {
                let weekdayText = item.dropLast()
                guard !weekdayText.isEmpty else {
                    throw fail(kind, column, "L needs a weekday before it, e.g. 5L for the last Friday of the month")
                }
                if weekdayText.contains(where: { "-*/?".contains($0) }) {
                    throw fail(kind, column, "\(item): L needs a single weekday before it, e.g. 5L for the last Friday")
                }
                let weekday = try value(weekdayText, column: column, kind) % 7
                result.day.lastOfWeekday |= 1 << UInt8(weekday)
                return
            }
        }
        var base = Substring(item)
        var step = 1
        if let slash = item.firstIndex(of: "/") {
            base = item[..<slash]
            let stepText = item[item.index(after: slash)...]
            let stepColumn = column + base.count + 1
            guard !stepText.isEmpty, stepText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw fail(kind, stepColumn, "\(item): \(stepText.isEmpty ? "a step is missing after /" : "the step \(stepText) is not a number")")
            }
            step = stepText.count > 9 ? Int.max : Int(stepText)!
            guard step >= 1 else { throw fail(kind, stepColumn, "\(item): the step must be at least 1") }
            if base.isEmpty { throw fail(kind, column, "\(item): a start is missing before /") }
        }
        var low: Int
        var high: Int
        if base == "*" || base == "?" {
            if base == "?" && kind != .dayOfMonth && kind != .dayOfWeek {
                throw fail(kind, column, "? is only allowed in the day-of-month and day-of-week fields")
            }
            low = kind.bounds.lowerBound
            high = kind.bounds.upperBound
        } else if let dash = base.firstIndex(of: "-"), dash != base.startIndex {
            let lowText = base[..<dash]
            let highText = base[base.index(after: dash)...]
            let highColumn = column + lowText.count + 1
            low = try value(lowText, column: column, kind)
            high = try value(highText, column: highColumn, kind)
            if kind == .dayOfWeek && high == 0 && low > 0 && highText.uppercased() == "SUN" {
                high = 7  // FRI-SUN reads as Friday to Sunday
            }
            guard low <= high else {
                throw fail(kind, column, "\(base): the range start \(lowText) is after its end \(highText)")
            }
        } else {
            low = try value(base, column: column, kind)
            high = item.contains("/") ? kind.bounds.upperBound : low
        }
        var v = low
        while v <= high {
            result.values |= 1 << UInt64(v)
            if step > high - v { break }
            v += step
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
