import Foundation
import Ink

/// A run's report (Markdown an agent wrote) as an HTML page that cannot run script: Ink renders
/// it, then every tag Ink did not have a reason to write is escaped — raw HTML in the Markdown
/// (Ink passes it through) shows as text; links keep only `http`, `https` and `mailto` targets;
/// images are dropped to their alt text (no remote fetches); and the page is served with a
/// Content-Security-Policy that allows no script and no remote content at all.
public enum ReportPage {
    public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// A whole page: the report's ``fragment(markdown:)`` with a title and a little style.
    public static func html(markdown: String, title: String) -> String {
        let body = fragment(markdown: markdown)
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}pre{background:#f5f5f5;padding:.5rem;overflow:auto}</style>
            </head><body>
            \(body)
            </body></html>
            """
    }

    /// The report as sanitised HTML without a page around it (the HTML part of a mail).
    public static func fragment(markdown: String) -> String {
        let parser = MarkdownParser(modifiers: [
            Modifier(target: .images) { input in escape(String(input.markdown)) },
        ])
        return sanitize(parser.html(from: markdown))
    }

    /// Tags Markdown produces; anything else is shown as text.
    static let allowedTags: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
        "del", "s", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "a",
    ]

    /// Keeps the allowed tags (an `a` only with an http, https or mailto `href`, `code` only with a
    /// `class`) and escapes every other `<`, so nothing in the report becomes markup of its own.
    static func sanitize(_ html: String) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count)
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">"), let tag = allowedTag(rest[rest.index(after: open)..<close]) else {
                output += "&lt;"
                rest = rest[rest.index(after: open)...]
                continue
            }
            output += tag
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    /// The tag rewritten from what it allows, or nil when it is not allowed.
    private static func allowedTag(_ inside: Substring) -> String? {
        var text = inside
        let closing = text.hasPrefix("/")
        if closing { text = text.dropFirst() }
        let name = text.prefix { $0.isLetter || $0.isNumber }.lowercased()
        guard allowedTags.contains(name) else { return nil }
        let attributes = text.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        if closing { return attributes.isEmpty ? "</\(name)>" : nil }
        if attributes.isEmpty || attributes == "/" { return "<\(name)>" }
        // One double-quoted attribute at most: a's href, code's class.
        guard attributes.hasSuffix("\""), let equals = attributes.firstIndex(of: "=") else { return nil }
        let key = attributes[..<equals].trimmingCharacters(in: .whitespaces)
        let quoted = attributes[attributes.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard quoted.count >= 2, quoted.hasPrefix("\""), !quoted.dropFirst().dropLast().contains("\"") else { return nil }
        let value = String(quoted.dropFirst().dropLast())
        switch (name, key) {
        case ("a", "href"):
            let lower = value.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") else { return nil }
            return "<a href=\"\(value)\" rel=\"noopener noreferrer nofollow\">"
        case ("code", "class"):
            guard value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == " " }) else { return nil }
            return "<code class=\"\(value)\">"
        default:
            return nil
        }
    }

    /// Text made safe for HTML content and double-quoted attributes.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
