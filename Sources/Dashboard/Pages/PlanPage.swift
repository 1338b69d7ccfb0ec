import Foundation
import Hummingbird
import Reconciler

/// `/plan`: what applying HEAD (or, when following a remote, the remote's head) would change,
/// as `jobctl plan --format markdown` writes it.
extension Dashboard {
    func planPage(viewer: Viewer, frame: Frame) -> Response {
        var frame = frame
        frame.title = "Plan"
        frame.section = "plan"
        let remoteHead = api.remote.flatMap { $0.status.remoteHead }
        let heads = repository.heads(revision: remoteHead ?? (api.remote == nil ? nil : api.remote?.status.appliedCommit))
        struct Context { var frame: Frame; var planHTML: String?; var upToDate: String?; var problem: String?; var applied: String?; var target: String }
        let applied = heads.applied.map { "\($0.short) \($0.summary)" }
        let target = remoteHead != nil ? "the remote's head \(heads.pendingName.prefix(7))" : "HEAD"
        let context = Context(
            frame: frame, planHTML: heads.pending.flatMap { RepositoryView.html($0, named: String(heads.pendingName.prefix(12)), where: { viewer.sees($0.rawValue) }) },
            upToDate: heads.pending == nil && heads.problem == nil ? "\(target) is applied: nothing to change." : nil,
            problem: heads.problem, applied: applied, target: target)
        return PageResponse.html(renderer.render("plan", context))
    }
}
