import ArgumentParser
import Foundation
import Server

/// `jobctl token create|list|revoke`: the bearer tokens of the HTTP API, kept as SHA-256 hashes in
/// `<root>/.jobctl/tokens.json` (local state, never committed). A running `jobctl serve` sees
/// changes on its next request.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke the HTTP API's bearer tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token; its secret is printed once, alone on the last line of stdout.",
            discussion: """
            Scopes: read (list and read jobs, runs, logs, fire times, metrics)
            < run (also trigger runs, post events, cancel runs) < admin (all).
            --jobs limits the token to job ids matching a glob: `reports/*` (one
            path segment), `reports/**` (any depth). Only the secret's SHA-256 is
            stored, in <root>/.jobctl/tokens.json.
              export JOBCTL_TOKEN=$(jobctl token create --scope run | tail -n 1)
            """
        )

        @OptionGroup var rootOptions: RootOptions

        @Option(help: "read, run or admin.", transform: { text in
            guard let scope = Scope(rawValue: text) else { throw ValidationError("--scope: '\(text)' is not read, run or admin") }
            return scope
        })
        var scope: Scope

        @Option(help: ArgumentHelp("Only jobs whose id matches this glob.", valueName: "GLOB"))
        var jobs: String?

        @Option(help: "A name to list and revoke it by (default: its id).")
        var name: String?

        func run() async throws {
            do {
                let (token, secret) = try TokenStore(root: rootOptions.root).create(scope: scope, jobs: jobs, name: name)
                print("created token \(token.name) (\(token.id)), scope \(token.scope.rawValue)\(token.jobs.map { ", jobs \($0)" } ?? ""); the secret is shown only now:")
                print(secret)
            } catch {
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tokens (never their secrets).")

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @OptionGroup var rootOptions: RootOptions

        @Option(help: "text or json.")
        var format: Format = .text

        func run() async throws {
            let tokens: [Token]
            do {
                tokens = try TokenStore(root: rootOptions.root).tokens()
            } catch {
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
            switch format {
            case .json:
                let items = tokens.map { ["id": $0.id, "name": $0.name, "scope": $0.scope.rawValue, "jobs": $0.jobs ?? "*", "createdAt": $0.createdAt] }
                let data = try JSONSerialization.data(withJSONObject: items, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            case .text:
                if tokens.isEmpty {
                    print("no tokens (create one with `jobctl token create --scope read|run|admin`)")
                    return
                }
                let rows = [["ID", "NAME", "SCOPE", "JOBS", "CREATED"]] + tokens.map { [$0.id, $0.name, $0.scope.rawValue, $0.jobs ?? "*", $0.createdAt] }
                var widths = [Int](repeating: 0, count: 5)
                for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
                for row in rows {
                    print(row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }.joined(separator: "  "))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by name or id; a running serve refuses it from its next request.")

        @OptionGroup var rootOptions: RootOptions

        @Argument(help: "The token's name or id.")
        var token: String

        func run() async throws {
            do {
                let removed = try TokenStore(root: rootOptions.root).revoke(token)
                print("revoked token \(removed.name) (\(removed.id))")
            } catch {
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
