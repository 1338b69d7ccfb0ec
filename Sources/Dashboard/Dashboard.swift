public import Foundation
public import Hummingbird
import History
public import Server

/// The web dashboard on serve's listener (`/`): what is in force, what will fire, what ran, and
/// run now. Pages are rendered on the server and readable without JavaScript; a signed-in
/// token holder acts within the token's scope. One value, built by the daemon, that adds its
/// routes beside the API's.
public struct Dashboard: Sendable {
    public struct Options: Sendable {
        /// The jobs root whose git state the pages show (the mirror's root when following a remote).
        public var jobsRoot: String
        /// Reading without signing in (`serve --public-dashboard`); acting always needs a token.
        public var publicRead = false
        /// How long a session may stay unused before it ends.
        public var idleTimeout: TimeInterval = 30 * 60
        /// The Chromium executable for report PDFs; nil: `chromium` (or `chromium-browser`,
        /// `google-chrome`) on PATH.
        public var chromium: String?
        /// How long one PDF may take before Chromium is stopped.
        public var printTimeout: Duration = .seconds(60)
        public var now: @Sendable () -> Date = { Date() }

        public init(jobsRoot: String) {
            self.jobsRoot = jobsRoot
        }
    }

    let api: JobctlAPI
    let options: Options
    let sessions: DashboardSessions
    let renderer = PageRenderer()
    let printer: ReportPrinter
    var repository: RepositoryView { RepositoryView(jobsRoot: options.jobsRoot) }

    public init(api: JobctlAPI, options: Options) {
        self.api = api
        self.options = options
        sessions = DashboardSessions(tokens: api.tokens, idleTimeout: options.idleTimeout, now: options.now)
        printer = ReportPrinter(executable: options.chromium, timeout: options.printTimeout)
    }

    public func add(to router: Router<APIRequestContext>) {
        let dashboard = self
        router.get("/static/dashboard.css") { _, _ in PageResponse.asset(PackageResources.dashboard_css, contentType: "text/css; charset=utf-8") }
        router.get("/static/dashboard.js") { _, _ in PageResponse.asset(PackageResources.dashboard_js, contentType: "text/javascript; charset=utf-8") }
        router.get("/signin") { request, _ in dashboard.signInPage(request) }
        router.post("/signin") { request, context in try await dashboard.signIn(request, context: context) }
        router.post("/signout") { request, context in try await dashboard.signOut(request, context: context) }
        router.get("/") { request, _ in await dashboard.page(request) { viewer, frame in try await dashboard.overview(request, viewer: viewer, frame: frame) } }
        router.get("/calendar") { request, _ in await dashboard.page(request) { viewer, frame in try await dashboard.calendar(request, viewer: viewer, frame: frame) } }
        router.get("/plan") { request, _ in await dashboard.page(request) { viewer, frame in dashboard.planPage(viewer: viewer, frame: frame) } }
        router.get("/jobs/**") { request, context in
            let id = try? JobPath.jobID(try JobPath.segments(context.parameters.getCatchAll()))
            return await dashboard.page(request) { viewer, frame in
                guard let id else { throw PageProblem.notFound("not a job id") }
                return try await dashboard.jobPage(id, request: request, viewer: viewer, frame: frame)
            }
        }
        router.post("/jobs/**") { request, context in
            var segments = (try? JobPath.segments(context.parameters.getCatchAll())) ?? []
            let action = segments.popLast() ?? ""
            return await dashboard.action(request, context: context) { viewer, form in
                guard ["run", "pause", "resume"].contains(action), let id = try? JobPath.jobID(segments) else { throw PageProblem.notFound("no such action") }
                return try await dashboard.jobAction(action, id, form: form, viewer: viewer)
            }
        }
        router.get("/runs/:run") { request, context in
            let run = context.parameters.get("run") ?? ""
            return await dashboard.page(request) { viewer, frame in try await dashboard.runPage(run, viewer: viewer, frame: frame) }
        }
        router.get("/runs/:run/log") { request, context in
            let run = context.parameters.get("run") ?? ""
            return await dashboard.page(request) { viewer, _ in
                // A long stream checks its viewer again as it goes: a revoked token or an ended session stops it.
                let session = request.cookies[DashboardSessions.cookieName]?.value
                let sessions = dashboard.sessions, isPublic = viewer.token == nil
                return try await dashboard.logStream(run, request: request, viewer: viewer) { isPublic || sessions.session(id: session) != nil }
            }
        }
        router.get("/runs/:run/report.pdf") { request, context in
            let run = context.parameters.get("run") ?? ""
            return await dashboard.page(request) { viewer, _ in try await dashboard.reportPDF(run, viewer: viewer) }
        }
        for action in ["cancel", "rerun"] {
            router.post("/runs/:run/\(action)") { request, context in
                let run = context.parameters.get("run") ?? ""
                return await dashboard.action(request, context: context) { viewer, form in try await dashboard.runAction(action, run, viewer: viewer) }
            }
        }
    }

    // MARK: - Who is asking

    /// The signed-in viewer, or an anonymous one when the dashboard is public; nil otherwise.
    func viewer(_ request: Request) -> Viewer? {
        if let (session, token) = sessions.session(id: request.cookies[DashboardSessions.cookieName]?.value) {
            return Viewer(session: session, token: token)
        }
        return options.publicRead ? Viewer() : nil
    }

    /// Renders a page for a viewer, or sends an anonymous visitor to the sign-in page.
    func page(_ request: Request, _ body: (Viewer, Frame) async throws -> Response) async -> Response {
        guard let viewer = viewer(request) else {
            return PageResponse.redirect("/signin?next=" + FormBody.encode(request.uri.path))
        }
        let notice = request.uri.queryParameters.get("notice").flatMap(Notice.message)
        let frame = Frame(title: "jobctl", who: viewer.token?.name, csrf: viewer.session?.csrf, section: "", notice: notice, publicView: viewer.token == nil)
        do {
            return try await body(viewer, frame)
        } catch let problem as PageProblem {
            return problemPage(problem, frame: frame)
        } catch {
            return problemPage(PageProblem(status: .internalServerError, message: "\(error)"), frame: frame)
        }
    }

    func problemPage(_ problem: PageProblem, frame: Frame) -> Response {
        var frame = frame
        frame.title = "\(problem.status.code) \(problem.status.reasonPhrase)"
        struct Context { var frame: Frame; var status: Int; var message: String }
        return PageResponse.html(renderer.render("problem", Context(frame: frame, status: problem.status.code, message: problem.message)), status: problem.status)
    }

    /// A form post: a signed-in session whose CSRF token the form carries, or a refusal.
    func action(_ request: Request, context: APIRequestContext, _ body: (Viewer, [String: String]) async throws -> Response) async -> Response {
        let frame = Frame(title: "jobctl", section: "", publicView: false)
        guard let (session, token) = sessions.session(id: request.cookies[DashboardSessions.cookieName]?.value) else {
            return problemPage(PageProblem(status: .unauthorized, message: "sign in with a token to act on jobs and runs"), frame: frame)
        }
        let viewer = Viewer(session: session, token: token)
        var frameIn = frame
        frameIn.who = token.name
        frameIn.csrf = session.csrf
        let bytes: [UInt8]
        do { bytes = try await Self.body(request, context: context) } catch {
            return problemPage(PageProblem(status: .contentTooLarge, message: "the form is too large"), frame: frameIn)
        }
        let form = Dictionary(FormBody.parse(bytes), uniquingKeysWith: { first, _ in first })
        guard DashboardSessions.csrfMatches(session, form["_csrf"]) else {
            api.log("dashboard: refused a form without its CSRF token (\(request.method) \(request.uri.path), token \(token.name))")
            return problemPage(PageProblem(status: .forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again"), frame: frameIn)
        }
        do {
            return try await body(viewer, form)
        } catch let problem as PageProblem {
            return problemPage(problem, frame: frameIn)
        } catch {
            return problemPage(PageProblem(status: .internalServerError, message: "\(error)"), frame: frameIn)
        }
    }

    static func body(_ request: Request, context: APIRequestContext) async throws -> [UInt8] {
        var buffer = try await request.body.collect(upTo: 64 * 1024)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    // MARK: - Signing in

    func signInPage(_ request: Request, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        struct Context { var frame: Frame; var next: String; var problem: String? }
        let next = Self.safeNext(request.uri.queryParameters.get("next"))
        let frame = Frame(title: "Sign in", section: "signin", publicView: options.publicRead)
        return PageResponse.html(renderer.render("signin", Context(frame: frame, next: next, problem: problem)), status: status)
    }

    func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        // A sign-in form posted from another site (which would sign a visitor in as someone else) is refused.
        if let origin = request.headers[.origin], origin.split(separator: "/").last.map({ $0.lowercased() }) != request.head.authority?.lowercased() {
            api.log("dashboard: a sign-in posted from another site (\(origin)) was refused")
            return signInPage(request, problem: "Sign in from this site's own sign-in page.", status: .forbidden)
        }
        let form = Dictionary(FormBody.parse(try await Self.body(request, context: context)), uniquingKeysWith: { first, _ in first })
        guard let (session, token) = sessions.signIn(secret: form["token"] ?? "") else {
            api.log("dashboard: a sign-in with an unknown token was refused")
            return signInPage(request, problem: "That token is not valid (or was revoked).", status: .unauthorized)
        }
        api.log("dashboard: token \(token.name) signed in")
        var response = PageResponse.redirect(Self.safeNext(form["next"]))
        response.setCookie(Cookie(name: DashboardSessions.cookieName, value: session.id, path: "/", secure: Self.isSecure(request),
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    func signOut(_ request: Request, context: APIRequestContext) async throws -> Response {
        if let id = request.cookies[DashboardSessions.cookieName]?.value, let (session, _) = sessions.session(id: id) {
            let form = Dictionary(FormBody.parse(try await Self.body(request, context: context)), uniquingKeysWith: { first, _ in first })
            guard DashboardSessions.csrfMatches(session, form["_csrf"]) else {
                return problemPage(PageProblem(status: .forbidden, message: "the form's CSRF token is missing or wrong"), frame: Frame(title: "jobctl", section: "", publicView: false))
            }
            sessions.signOut(id: id)
        }
        var response = PageResponse.redirect("/signin")
        response.setCookie(Cookie(name: DashboardSessions.cookieName, value: "", maxAge: 0, path: "/", secure: Self.isSecure(request), httpOnly: true, sameSite: .strict))
        return response
    }

    /// Only a path on this site (`/...`, not `//host`) may be where sign-in goes next.
    static func safeNext(_ next: String?) -> String {
        // No control characters either: browsers drop a tab or newline, so "/\t/host" is "//host".
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return "/" }
        return next
    }

    /// Behind a TLS-terminating proxy (`X-Forwarded-Proto: https`) cookies are `Secure`.
    static func isSecure(_ request: Request) -> Bool {
        request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https" || request.uri.scheme == .https
    }
}
