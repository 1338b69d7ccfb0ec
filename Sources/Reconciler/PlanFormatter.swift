import Definitions
import Foundation
import Schedules

/// Renders a ``Plan`` for people: plain text for a terminal, Markdown for a pull-request comment.
///
/// ```
/// Plan for root . : HEAD 3f2a9c1 "Move the report to 09:00" against applied 1a2b3c4
///
///   ~ update reports/paid-search  (jobs/reports/paid-search.yaml)
///       schedule.cron: "0 8 * * 1" → "0 9 * * 1"
///       next fires (Europe/Amsterdam):
///         before: 2026-01-05 08:00 +01:00, 2026-01-12 08:00 +01:00, 2026-01-19 08:00 +01:00
///         after:  2026-01-05 09:00 +01:00, 2026-01-12 09:00 +01:00, 2026-01-19 09:00 +01:00
///
/// Plan: 0 to create, 1 to update, 0 to delete.
/// ```
public enum PlanFormatter {
    /// Plain text: one block per change, field changes as `path: old → new`.
    /// - Parameter targetName: how to name the target, e.g. `HEAD` or `the working tree`.
    public static func text(_ plan: Plan, targetName: String) -> String {
        var out: [String] = []
        out.append("Plan for root \(plan.root.isEmpty ? "." : plan.root): \(describe(target: plan, named: targetName)) against \(describeApplied(plan))")
        if plan.deletesEveryJob {
            out.append("")
            out.append("WARNING: this deletes every job (\(plan.appliedJobCount)): nothing will run once it is applied.")
        }
        for change in plan.changes {
            out.append("")
            let symbol = switch change.action { case .create: "+"; case .update: "~"; case .delete: "-" }
            out.append("  \(symbol) \(change.action.rawValue) \(change.id)  (\(change.file))\(change.invalid ? "  INVALID" : "")")
            if change.action == .delete {
                out.append("      stops firing; its history stays")
            }
            for field in displayedFields(change) {
                out.append("      \(render(field))")
            }
            if let shift = change.fireTimes {
                out.append(contentsOf: fireLines(shift).map { "      " + $0 })
            }
        }
        if !plan.unchangedFiles.isEmpty {
            out.append("")
            out.append("  \(plan.unchangedFiles.count) file(s) changed without changing a definition (comments, formatting): \(plan.unchangedFiles.prefix(5).joined(separator: ", "))\(plan.unchangedFiles.count > 5 ? ", ..." : "")")
        }
        for entry in plan.ignored {
            out.append("\(entry.path): note: \(entry.reason.rawValue); ignored")
        }
        if !plan.diagnostics.isEmpty { out.append("") }
        for diagnostic in plan.diagnostics { out.append(diagnostic.description) }
        out.append("")
        if !plan.isValid {
            let errors = plan.diagnostics.count { $0.severity == .error }
            out.append("Invalid: \(errors) error\(errors == 1 ? "" : "s"); this cannot be applied.")
        } else if plan.hasChanges {
            out.append("Plan: \(plan.summary).")
        } else {
            out.append("No changes: the applied state matches.")
        }
        return out.joined(separator: "\n")
    }

    /// GitHub-flavoured Markdown for a pull-request comment.
    public static func markdown(_ plan: Plan, targetName: String) -> String {
        var out: [String] = []
        let status = !plan.isValid ? "❌ invalid" : plan.hasChanges ? "📝 \(plan.summary)" : "✅ no changes"
        out.append("### jobctl plan — root `\(plan.root.isEmpty ? "." : plan.root)`: \(status)")
        out.append("")
        out.append("\(describe(target: plan, named: targetName, code: true)) against \(describeApplied(plan, code: true)).")
        if plan.deletesEveryJob {
            out.append("")
            out.append("> [!WARNING]")
            out.append("> This deletes **every job** (\(plan.appliedJobCount)): nothing will run once it is applied.")
        }
        if !plan.isValid {
            out.append("")
            out.append("**Errors** (the applied state stays in force until they are fixed):")
            out.append("")
            out.append("```")
            for diagnostic in plan.diagnostics where diagnostic.severity == .error { out.append(diagnostic.description) }
            out.append("```")
        }
        if plan.hasChanges {
            out.append("")
            out.append("| | job | file | changes |")
            out.append("|---|---|---|---|")
            for change in plan.changes {
                let symbol = switch change.action { case .create: "➕ create"; case .update: "✏️ update"; case .delete: "🗑️ delete" }
                let count = change.action == .delete ? "stops firing" : change.invalid ? "invalid" : "\(displayedFields(change).count) field(s)"
                out.append("| \(symbol) | `\(change.id)` | `\(change.file)` | \(count) |")
            }
            for change in plan.changes where change.action != .delete || change.fireTimes != nil {
                let fields = displayedFields(change)
                guard !fields.isEmpty || change.fireTimes != nil else { continue }
                out.append("")
                out.append("<details><summary><code>\(change.id)</code> (\(change.action.rawValue))</summary>")
                out.append("")
                out.append("```diff")
                for field in fields {
                    if let old = field.old { out.append("- \(field.path): \(old)") }
                    if let new = field.new { out.append("+ \(field.path): \(new)") }
                }
                out.append("```")
                if let shift = change.fireTimes {
                    out.append("")
                    out.append("Next fires (\(shift.timeZone)):")
                    out.append("")
                    out.append("| before | after |")
                    out.append("|---|---|")
                    let zone = TimeZone(identifier: shift.timeZone) ?? .gmt
                    for index in 0..<max(shift.before.count, shift.after.count) {
                        let before = index < shift.before.count ? RFC3339.string(shift.before[index], in: zone) : "—"
                        let after = index < shift.after.count ? RFC3339.string(shift.after[index], in: zone) : "—"
                        out.append("| \(before) | \(after) |")
                    }
                }
                out.append("")
                out.append("</details>")
            }
        }
        let warnings = plan.diagnostics.filter { $0.severity != .error }
        if !warnings.isEmpty || !plan.ignored.isEmpty {
            out.append("")
            out.append("<details><summary>Notes</summary>")
            out.append("")
            out.append("```")
            for diagnostic in warnings { out.append(diagnostic.description) }
            for entry in plan.ignored { out.append("\(entry.path): note: \(entry.reason.rawValue); ignored") }
            out.append("```")
            out.append("")
            out.append("</details>")
        }
        return out.joined(separator: "\n")
    }

    /// `path: old → new`, `+ path: new`, `- path: old`.
    public static func render(_ field: FieldChange) -> String {
        switch (field.old, field.new) {
        case let (old?, new?): "\(field.path): \(old) → \(new)"
        case let (nil, new?): "+ \(field.path): \(new)"
        case let (old?, nil): "- \(field.path): \(old)"
        case (nil, nil): field.path
        }
    }

    /// For a create, only what a reader checks first; the JSON form has every field.
    static func displayedFields(_ change: JobChange) -> [FieldChange] {
        guard change.action == .create else { return change.fields }
        let keys: Set<String> = ["name", "enabled", "schedule.cron", "schedule.every", "schedule.at", "schedule.timezone", "needs", "on.events"]
        return change.fields.filter { keys.contains($0.path) }
    }

    static func fireLines(_ shift: FireTimeShift) -> [String] {
        let zone = TimeZone(identifier: shift.timeZone) ?? .gmt
        let format = { (dates: [Date]) in dates.isEmpty ? "none" : dates.map { RFC3339.string($0, in: zone) }.joined(separator: ", ") }
        if shift.before.isEmpty { return ["next fires (\(shift.timeZone)): \(format(shift.after))"] }
        if shift.after.isEmpty { return ["fires it no longer makes (\(shift.timeZone)): \(format(shift.before))"] }
        return ["next fires (\(shift.timeZone)):", "  before: \(format(shift.before))", "  after:  \(format(shift.after))"]
    }

    static func describe(target plan: Plan, named name: String, code: Bool = false) -> String {
        guard let target = plan.target else { return name }
        let id = code ? "`\(target.short)`" : target.short
        return "\(name) \(id) \"\(target.summary)\""
    }

    static func describeApplied(_ plan: Plan, code: Bool = false) -> String {
        guard let applied = plan.applied else { return "nothing applied yet (\(plan.reference) does not exist)" }
        let id = code ? "`\(applied.short)`" : applied.short
        return "applied \(id)"
    }
}
