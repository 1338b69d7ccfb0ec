/// Turns expression source into tokens, one at a time, so that errors come out in source order.
struct Lexer {
    let scalars: [Unicode.Scalar]
    private var position = 0
    /// Whether the previous token was a `.` (digits after it are an index, not a number).
    private var afterDot = false
    /// Whether the previous token can be continued by `.segment` (a name or a segment).
    private var afterPathPart = false

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    /// The source text of a token, as written.
    func text(of token: Token) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[(token.column - 1)..<(token.column - 1 + token.length)])
        return text
    }

    /// The column just past the last scalar (where "end of input" errors point).
    var endColumn: Int { scalars.count + 1 }

    mutating func next() throws(ExpressionError) -> Token {
        while position < scalars.count, Lexer.isWhitespace(scalars[position]) { position += 1 }
        let wasAfterDot = afterDot
        let wasAfterPathPart = afterPathPart
        afterDot = false
        afterPathPart = false
        guard position < scalars.count else {
            return Token(kind: .end, column: endColumn, length: 0)
        }
        let start = position
        let scalar = scalars[position]

        if wasAfterDot, Lexer.isDigit(scalar) {
            while position < scalars.count, Lexer.isDigit(scalars[position]) { position += 1 }
            afterPathPart = true
            return token(.index(string(from: start)), from: start)
        }
        if Lexer.isNameStart(scalar) {
            while position < scalars.count, Lexer.isNameContinue(scalars[position]) { position += 1 }
            afterPathPart = true
            return token(.name(string(from: start)), from: start)
        }
        if Lexer.isDigit(scalar) {
            return try number()
        }
        switch scalar {
        case "\"":
            // Read first: the token's length is known only once the closing quote is found.
            let string = try quoted(terminator: "\"", what: "string")
            return token(.string(string), from: start)
        case "'":
            let name = try quoted(terminator: "'", what: "quoted name")
            afterPathPart = true
            return token(.quotedName(name), from: start)
        case ".":
            if !wasAfterPathPart, position + 1 < scalars.count, Lexer.isDigit(scalars[position + 1]) {
                position += 1
                while position < scalars.count, Lexer.isNumberContinue(scalars[position]) { position += 1 }
                let written = string(from: start)
                throw ExpressionError(column: start + 1, message: "invalid number '\(written)' (write '0\(written)')")
            }
            position += 1
            afterDot = true
            return token(.symbol(.dot), from: start)
        case "=":
            if peek(1) == "=" { return symbol(.equal, length: 2) }
            throw ExpressionError(column: start + 1, message: "unexpected '=' (write '==' to compare)")
        case "!":
            if peek(1) == "=" { return symbol(.notEqual, length: 2) }
            throw ExpressionError(column: start + 1, message: "unexpected '!' (write 'not')")
        case "<":
            return peek(1) == "=" ? symbol(.lessOrEqual, length: 2) : symbol(.less, length: 1)
        case ">":
            return peek(1) == "=" ? symbol(.greaterOrEqual, length: 2) : symbol(.greater, length: 1)
        case "&":
            if peek(1) == "&" {
                throw ExpressionError(column: start + 1, message: "unexpected '&&' (write 'and')")
            }
        case "|":
            if peek(1) == "|" {
                throw ExpressionError(column: start + 1, message: "unexpected '||' (write 'or')")
            }
        case "~":
            if peek(1) == "=" {
                throw ExpressionError(
                    column: start + 1,
                    message: "the regular-expression operator '~=' is not supported (use includes(), startsWith() or endsWith())")
            }
        default:
            if let symbol = Symbol(rawValue: String(scalar)) {
                return self.symbol(symbol, length: 1)
            }
        }
        throw ExpressionError(column: start + 1, message: Lexer.unexpectedCharacter(scalar))
    }

    // MARK: Numbers

    /// `digits [. digits] [(e|E) [+|-] digits]`; anything glued to it makes the whole run invalid.
    private mutating func number() throws(ExpressionError) -> Token {
        let start = position
        var valid = true
        skipDigits()
        if peek(0) == "." {
            if let next = peek(1), Lexer.isDigit(next) {
                position += 1
                skipDigits()
            } else {
                valid = false
            }
        }
        if valid, let e = peek(0), e == "e" || e == "E" {
            position += 1
            if let sign = peek(0), sign == "+" || sign == "-" { position += 1 }
            if let digit = peek(0), Lexer.isDigit(digit) {
                skipDigits()
            } else {
                valid = false
            }
        }
        if let next = peek(0), Lexer.isNumberContinue(next) { valid = false }
        if !valid {
            while position < scalars.count, Lexer.isNumberContinue(scalars[position]) { position += 1 }
            // A sign directly after an exponent marker belongs to the bad number too ("1e+").
            throw ExpressionError(column: start + 1, message: "invalid number '\(string(from: start))'")
        }
        let written = string(from: start)
        guard let value = Double(written), value.isFinite else {
            throw ExpressionError(column: start + 1, message: "number '\(written)' is out of range")
        }
        return token(.number(value), from: start)
    }

    private mutating func skipDigits() {
        while position < scalars.count, Lexer.isDigit(scalars[position]) { position += 1 }
    }

    // MARK: Quoted strings and names

    /// Reads a quoted string or name starting at the opening quote; resolves JSON escapes
    /// (`\" \\ \/ \b \f \n \r \t \uXXXX`) and `\'`.
    private mutating func quoted(terminator: Unicode.Scalar, what: String) throws(ExpressionError) -> String {
        let open = position
        position += 1
        var value = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == terminator {
                position += 1
                return String(value)
            }
            if scalar != "\\" {
                value.append(scalar)
                position += 1
                continue
            }
            let escapeStart = position
            position += 1
            guard position < scalars.count else { break }
            let escaped = scalars[position]
            position += 1
            switch escaped {
            case "\"", "'", "\\", "/": value.append(escaped)
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "n": value.append("\n")
            case "r": value.append("\r")
            case "t": value.append("\t")
            case "u": value.append(try unicodeEscape(at: escapeStart, what: what))
            default:
                throw ExpressionError(
                    column: escapeStart + 1,
                    message: "invalid escape '\\\(Lexer.printable(escaped))' in \(what)")
            }
        }
        let closing = terminator == "\"" ? "'\"'" : "\"'\""
        throw ExpressionError(column: open + 1, message: "unterminated \(what): no closing \(closing)")
    }

    /// `\uXXXX` (position is just after the `u`), combining a UTF-16 surrogate pair.
    private mutating func unicodeEscape(at escapeStart: Int, what: String) throws(ExpressionError) -> Unicode.Scalar {
        let high = try hexQuad(escapeStart: escapeStart, what: what)
        if (0xD800...0xDBFF).contains(high) {
            if peek(0) == "\\", peek(1) == "u" {
                let lowStart = position
                position += 2
                let low = try hexQuad(escapeStart: lowStart, what: what)
                if (0xDC00...0xDFFF).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
                }
            }
            throw ExpressionError(
                column: escapeStart + 1,
                message: "invalid escape '\\u\(String(high, radix: 16, uppercase: true))' in \(what): unpaired surrogate")
        }
        guard let scalar = Unicode.Scalar(high) else {
            throw ExpressionError(
                column: escapeStart + 1,
                message: "invalid escape '\\u\(String(high, radix: 16, uppercase: true))' in \(what): unpaired surrogate")
        }
        return scalar
    }

    private mutating func hexQuad(escapeStart: Int, what: String) throws(ExpressionError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = peek(0), let digit = Lexer.hexValue(scalar) else {
                let written = String(String.UnicodeScalarView(scalars[escapeStart..<position]))
                throw ExpressionError(
                    column: escapeStart + 1,
                    message: "invalid escape '\(written)' in \(what): expected 4 hexadecimal digits after '\\u'")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Helpers

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private func string(from start: Int) -> String {
        String(String.UnicodeScalarView(scalars[start..<position]))
    }

    private func token(_ kind: Token.Kind, from start: Int) -> Token {
        Token(kind: kind, column: start + 1, length: position - start)
    }

    private mutating func symbol(_ symbol: Symbol, length: Int) -> Token {
        let start = position
        position += length
        return token(.symbol(symbol), from: start)
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    static func isNameContinue(_ scalar: Unicode.Scalar) -> Bool { isNameStart(scalar) || isDigit(scalar) }

    /// Characters that, glued to a number, make it one bad token (`1.2.3`, `12abc`).
    private static func isNumberContinue(_ scalar: Unicode.Scalar) -> Bool {
        isNameContinue(scalar) || scalar == "."
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }

    /// A scalar as it can be shown inside quotes in a message.
    static func printable(_ scalar: Unicode.Scalar) -> String {
        if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            || scalar.properties.generalCategory == .format {
            return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        }
        return String(scalar)
    }

    private static func unexpectedCharacter(_ scalar: Unicode.Scalar) -> String {
        let shown = printable(scalar)
        if shown.hasPrefix("U+") { return "unexpected character \(shown)" }
        if scalar.properties.isAlphabetic {
            return "unexpected character '\(shown)' (quote a name with other characters in single quotes: 'name')"
        }
        return "unexpected character '\(shown)'"
    }

    // MARK: Writing names back

    /// Whether `segment` can be written without quotes (`ask`, or an index such as `0`).
    static func isPlainSegment(_ segment: String, first: Bool) -> Bool {
        let scalars = segment.unicodeScalars
        guard let head = scalars.first else { return false }
        if !first, Value.arrayIndex(segment) != nil { return true }
        if !first || Keyword(rawValue: segment) == nil {
            return isNameStart(head) && scalars.allSatisfy(isNameContinue)
        }
        return false
    }

    /// `'name'` with `'` and `\` escaped.
    static func quoteName(_ name: String) -> String {
        var output = "'"
        for scalar in name.unicodeScalars {
            switch scalar {
            case "'": output += "\\'"
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "'"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
