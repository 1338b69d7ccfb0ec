import Foundation
import History
import Hummingbird
import Scheduler

/// `GET /api/remote` (`read`): the remote a `serve --remote` daemon follows; `POST /api/git/push`
/// (signed by a forge, see ``PushWebhook``): fetch now.
struct RemoteRoutes {
    let api: JobctlAPI

    /// ``RemoteStatus`` with times as RFC 3339 text.
    struct RemoteView: Encodable {
        var url, branch, path: String
        var pollSeconds: Double
        var remoteHead, appliedCommit: String?
        var behind: Bool
        var lastFetchAt, lastSuccessAt, nextFetchAt: String?
        var lastError: String?
        var consecutiveFailures, fetches, fetchFailures: Int
        var lastRefusal: RemoteStatus.Refusal?

        init(_ status: RemoteStatus) {
            url = status.url
            branch = status.branch
            path = status.path
            pollSeconds = status.pollSeconds
            remoteHead = status.remoteHead
            appliedCommit = status.appliedCommit
            behind = status.isBehind
            lastFetchAt = status.lastFetchAt.map(RecordTime.string)
            lastSuccessAt = status.lastSuccessAt.map(RecordTime.string)
            nextFetchAt = status.nextFetchAt.map(RecordTime.string)
            lastError = status.lastError
            consecutiveFailures = status.consecutiveFailures
            fetches = status.fetches
            fetchFailures = status.fetchFailures
            lastRefusal = status.lastRefusal
        }
    }

    struct PushAccepted: Encodable {
        var accepted: Bool
        var branch: String?
        var forge: String
        var action: String
    }

    static let noRemote = APIError(.notFound, code: "no_remote", "this daemon does not follow a remote (serve --remote URL)")

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.get("/api/remote") { request, _ -> Response in
            _ = try api.authorize(request, .read)
            guard let remote = api.remote else { throw Self.noRemote }
            return try JSONResponse.make(RemoteView(remote.status))
        }
        router.post("/api/git/push") { request, context -> Response in
            let refused = APIError(.unauthorized, code: "unauthorized",
                                   "push not accepted: sign it with the push secret (X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token)")
            let bytes = try await JSONBody.bytes(request, context: context)
            guard let remote = api.remote else {
                api.log("warning: push webhook refused: this daemon does not follow a remote")
                throw refused
            }
            let secret: String
            do {
                secret = try api.secrets.value(named: api.pushSecretName)
            } catch {
                api.log("warning: push webhook refused: no secret \(api.pushSecretName) (\(error))")
                throw refused
            }
            guard let forge = PushWebhook.verify(header: { EventRoutes.header(request, $0) }, body: bytes, secret: secret) else {
                api.log("warning: push webhook refused: no valid signature or token")
                throw refused
            }
            let branch = PushWebhook.branch(ofPayload: bytes)
            guard branch == remote.source.branch else {
                return try JSONResponse.make(PushAccepted(accepted: false, branch: branch, forge: forge.rawValue,
                                                          action: "ignored: not a push to \(remote.source.branch)"), status: .accepted)
            }
            remote.fetchSoon()
            return try JSONResponse.make(PushAccepted(accepted: true, branch: branch, forge: forge.rawValue, action: "fetch scheduled"), status: .accepted)
        }
    }
}
