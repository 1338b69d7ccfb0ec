import Foundation
import Hummingbird
import Mustache
import Server

/// The page templates (Mustache: every `{{value}}` is HTML-escaped; only `{{{html}}}` fields
/// that the dashboard sanitised itself are not), the one place pages are rendered and answered.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout", PackageResources.layout_mustache), ("overview", PackageResources.overview_mustache),
            ("job", PackageResources.job_mustache), ("run", PackageResources.run_mustache),
            ("calendar", PackageResources.calendar_mustache), ("plan", PackageResources.plan_mustache),
            ("signin", PackageResources.signin_mustache), ("problem", PackageResources.problem_mustache),
        ]
        for (name, bytes) in templates {
            // The templates are compiled into the binary and parsed by the tests: a parse error is a build defect.
            try! library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func render(_ template: String, _ context: Any) -> String {
        library.render(Self.fields(context), withTemplate: template) ?? ""
    }

    /// A page's context as dictionaries, read once: Mustache looks a name up in a dictionary
    /// directly, but in a struct through `Mirror`, walking every field for every lookup — which
    /// made rendering most of a page's time (a job page: ~20 ms of ~22). Optionals that are nil
    /// are left out, as Mustache treats them.
    static func fields(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is Int64, is Double: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { fields($0.value) }
        case .collection, .set:
            return mirror.children.compactMap { fields($0.value) }
        case .struct, .class:
            var dictionary: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let converted = fields(child.value) { dictionary[label] = converted }
            }
            return dictionary
        default:
            return value
        }
    }
}

/// What every page's frame shows: the title, who is signed in, the form token, the active tab.
struct Frame {
    var title: String
    var who: String?
    var csrf: String?
    var section: String {
        didSet { (isOverview, isCalendar, isPlan) = (section == "overview", section == "calendar", section == "plan") }
    }
    var notice: String?
    var publicView: Bool
    // Stored, not computed: templates see stored properties only (Mirror).
    var isOverview = false, isCalendar = false, isPlan = false
}

/// The notes an action leaves on the page it redirects to, by code (`?notice=paused`): a link
/// can only show one of these, never text of its own choosing.
enum Notice {
    static let messages = [
        "paused": "Paused.", "resumed": "Resumed.", "cancelling": "Cancelling: the run is being stopped.",
        "queued": "Queued behind the run in progress (concurrency: queue).", "matrix": "Started one run per matrix cell; this is the first.",
    ]

    static func message(_ code: String) -> String? { messages[code] }
}

/// Who is looking: a signed-in token holder, or an anonymous reader of a public dashboard.
struct Viewer {
    var session: DashboardSessions.Session?
    var token: Token?

    func sees(_ job: String) -> Bool { token?.covers(job: job) ?? true }
    func mayRun(_ job: String) -> Bool { token?.allows(.run, job: job) ?? false }
    var mayRunAnything: Bool { token.map { $0.scope >= .run } ?? false }
    /// How actions are recorded: `token NAME (dashboard)`.
    var requestedBy: String { "token \(token?.name ?? "?") (dashboard)" }
}

/// A page that cannot be shown: rendered as the problem page with its status.
struct PageProblem: Error {
    var status: HTTPResponse.Status
    var message: String
    static func notFound(_ message: String) -> PageProblem { PageProblem(status: .notFound, message: message) }
}

enum PageResponse {
    /// Pages may load only the dashboard's own script and style; nothing is framed.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: contentSecurityPolicy,
            .cacheControl: "no-store", .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "same-origin",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func asset(_ bytes: [UInt8], contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "max-age=300", .init("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `application/x-www-form-urlencoded` bodies (what the dashboard's forms post).
enum FormBody {
    static func parse(_ bytes: [UInt8]) -> [(String, String)] {
        String(decoding: bytes, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes a query value.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Times as pages show them: `2026-12-01 18:30:00 UTC`, or in a zone.
enum PageTime {
    static func show(_ date: Date?, zone: TimeZone = TimeZone(identifier: "UTC")!) -> String {
        guard let date else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let abbreviation = zoneName(zone) == "UTC" ? "UTC" : zone.abbreviation(for: date) ?? zone.identifier
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!) + abbreviation
    }

    /// The zone's identifier, with Foundation's `GMT` for UTC written `UTC`.
    static func zoneName(_ zone: TimeZone) -> String {
        ["GMT", "UTC", "Etc/UTC", "Etc/GMT"].contains(zone.identifier) ? "UTC" : zone.identifier
    }

    static func duration(_ ms: Int64?) -> String {
        guard let ms else { return "" }
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
