import PostgresNIO

/// The cluster schema, as numbered migrations. ``ClusterDatabase/migrate()`` applies the ones a
/// database lacks, in one transaction under an advisory lock, so nodes that start at once
/// neither race nor apply one twice. A database migrated by a newer jobctl is refused.
enum Migrations {
    /// The advisory lock every migration holds (an arbitrary constant: "jobctl" in ASCII).
    static let lock: Int64 = 0x6A_6F_62_63_74_6C

    static let all: [(version: Int, sql: [String])] = [
        (1, [
            """
            CREATE TABLE jobctl_nodes (
                node text PRIMARY KEY,
                incarnation uuid NOT NULL,
                started_at timestamptz NOT NULL DEFAULT now(),
                heartbeat_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // The unique key that makes a fire run at most once, whichever node sees it first.
            """
            CREATE TABLE jobctl_fires (
                job text NOT NULL,
                scheduled_for timestamptz NOT NULL,
                node text NOT NULL,
                incarnation uuid NOT NULL,
                claimed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (job, scheduled_for)
            )
            """,
            "CREATE SEQUENCE jobctl_tokens",
            // Every run and decision: `running` with the token of its holder, then final, with
            // its record; `exported` once the leader wrote it to the history files.
            """
            CREATE TABLE jobctl_runs (
                run text PRIMARY KEY,
                job text NOT NULL,
                scheduled_for timestamptz,
                first_scheduled_for timestamptz,
                state text NOT NULL,
                node text NOT NULL,
                incarnation uuid,
                token bigint NOT NULL DEFAULT nextval('jobctl_tokens'),
                started_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz,
                marker text,
                record text,
                reaped_by text,
                exported boolean NOT NULL DEFAULT false
            )
            """,
            "CREATE INDEX jobctl_runs_running ON jobctl_runs (job) WHERE state = 'running'",
            "CREATE INDEX jobctl_runs_starts ON jobctl_runs (job, started_at)",
            "CREATE INDEX jobctl_runs_fires ON jobctl_runs (job, scheduled_for)",
            "CREATE INDEX jobctl_fires_incarnation ON jobctl_fires (incarnation)",
            "CREATE INDEX jobctl_runs_unexported ON jobctl_runs (finished_at, run) WHERE NOT exported AND state <> 'running'",
            """
            CREATE TABLE jobctl_leader (
                id int PRIMARY KEY CHECK (id = 1),
                node text NOT NULL,
                incarnation uuid NOT NULL,
                term bigint NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            // Claims a fire by the database's clock, for a live incarnation of a node: 0 claimed,
            // -1 claimed before (by anyone) or the node was reaped, or the seconds until it is due
            // (the caller's clock is ahead: it tries again then).
            """
            CREATE FUNCTION jobctl_claim(p_job text, p_at timestamptz, p_node text, p_incarnation uuid) RETURNS double precision AS $$
            DECLARE
                wait double precision := extract(epoch FROM p_at - clock_timestamp());
            BEGIN
                IF wait > 0 THEN RETURN wait; END IF;
                INSERT INTO jobctl_fires (job, scheduled_for, node, incarnation, claimed_at)
                    SELECT p_job, p_at, p_node, p_incarnation, clock_timestamp()
                    WHERE EXISTS (SELECT 1 FROM jobctl_nodes WHERE node = p_node AND incarnation = p_incarnation FOR SHARE)
                    ON CONFLICT DO NOTHING;
                IF FOUND THEN RETURN 0; END IF;
                RETURN -1;
            END
            $$ LANGUAGE plpgsql
            """,
            // Claims several fires in one round trip: jobctl_claim's answer for each, in order.
            """
            CREATE FUNCTION jobctl_claim_all(p_jobs text[], p_times timestamptz[], p_node text, p_incarnation uuid) RETURNS SETOF double precision AS $$
            BEGIN
                FOR i IN 1 .. coalesce(array_length(p_jobs, 1), 0) LOOP
                    RETURN NEXT jobctl_claim(p_jobs[i], p_times[i], p_node, p_incarnation);
                END LOOP;
            END
            $$ LANGUAGE plpgsql
            """,
            // Starts a run that admission decided on what jobctl_lock_job returned: under the
            // job's lock, only if the job's runs in progress and its counted starts are still
            // what the decision saw (else NULL: decide again), and only for a live incarnation
            // (else -1). Returns the run's lease token.
            """
            CREATE FUNCTION jobctl_start(p_job text, p_since timestamptz, p_expected text[], p_starts bigint, p_run text, p_scheduled timestamptz,
                                         p_node text, p_incarnation uuid, p_started timestamptz, p_marker text) RETURNS bigint AS $$
            DECLARE
                running text[];
                starts bigint;
                token bigint;
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtext('jobctl job ' || p_job));
                SELECT coalesce(array_agg(r.run ORDER BY r.run), '{}') INTO running FROM jobctl_runs r WHERE r.job = p_job AND r.state = 'running';
                IF running <> (SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest(p_expected) x) THEN RETURN NULL; END IF;
                IF p_since IS NOT NULL THEN
                    SELECT count(*) INTO starts FROM jobctl_runs r
                        WHERE r.job = p_job AND r.started_at > p_since AND r.state <> 'running' AND r.marker IS NOT NULL;
                    IF starts <> p_starts THEN RETURN NULL; END IF;
                END IF;
                IF NOT EXISTS (SELECT 1 FROM jobctl_nodes WHERE node = p_node AND incarnation = p_incarnation FOR SHARE) THEN RETURN -1; END IF;
                INSERT INTO jobctl_runs (run, job, scheduled_for, state, node, incarnation, started_at, marker)
                    VALUES (p_run, p_job, p_scheduled, 'running', p_node, p_incarnation, p_started, p_marker)
                    RETURNING jobctl_runs.token INTO token;
                RETURN token;
            END
            $$ LANGUAGE plpgsql
            """,
            // Takes the job's lock for the rest of the transaction, and returns what admission
            // reads under it: the markers of its runs in progress on every node (kind 'run'), and
            // its starts since the horizon (kind 'start', for the rate limit).
            """
            CREATE FUNCTION jobctl_lock_job(p_job text, p_since timestamptz) RETURNS TABLE (kind text, marker text, started_at timestamptz) AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtext('jobctl job ' || p_job));
                RETURN QUERY SELECT 'run'::text, r.marker, r.started_at FROM jobctl_runs r WHERE r.job = p_job AND r.state = 'running';
                IF p_since IS NOT NULL THEN
                    RETURN QUERY SELECT 'start'::text, NULL::text, r.started_at FROM jobctl_runs r
                        WHERE r.job = p_job AND r.started_at > p_since AND r.state <> 'running' AND r.marker IS NOT NULL;
                END IF;
            END
            $$ LANGUAGE plpgsql
            """,
        ]),
        (2, [
            // The shared queue: runs any node with room may take (`FOR UPDATE SKIP LOCKED`). A run
            // that failed or timed out is queued here for its retry by the statement that records
            // it, and a run interrupted with its node by the reaping that interrupts it (kind
            // 'retry', cause its status, its marker as the request), at most once per run.
            """
            CREATE TABLE jobctl_queue (
                id bigserial PRIMARY KEY,
                kind text NOT NULL,
                cause text NOT NULL,
                job text NOT NULL,
                source_run text UNIQUE,
                request text NOT NULL,
                queued_at timestamptz NOT NULL DEFAULT now(),
                not_before timestamptz NOT NULL DEFAULT now(),
                taken_node text,
                taken_incarnation uuid,
                taken_at timestamptz
            )
            """,
            "CREATE INDEX jobctl_queue_due ON jobctl_queue (not_before, id)",
            // Starts a queued run (jobctl_start), only for the incarnation that holds the entry,
            // and removes the entry in the same transaction: a queued run starts at most once.
            // -2: the entry is gone or another node holds it now.
            """
            CREATE FUNCTION jobctl_start_queued(p_entry bigint, p_job text, p_since timestamptz, p_expected text[], p_starts bigint, p_run text,
                                                p_scheduled timestamptz, p_node text, p_incarnation uuid, p_started timestamptz, p_marker text) RETURNS bigint AS $$
            DECLARE
                token bigint;
            BEGIN
                PERFORM 1 FROM jobctl_queue WHERE id = p_entry AND taken_incarnation = p_incarnation FOR UPDATE;
                IF NOT FOUND THEN RETURN -2; END IF;
                token := jobctl_start(p_job, p_since, p_expected, p_starts, p_run, p_scheduled, p_node, p_incarnation, p_started, p_marker);
                IF token >= 0 THEN DELETE FROM jobctl_queue WHERE id = p_entry; END IF;
                RETURN token;
            END
            $$ LANGUAGE plpgsql
            """,
        ]),
        (3, [
            // The commit in force in the cluster, moved by compare-and-swap (``ClusterDatabase/moveAppliedCommit``).
            """
            CREATE TABLE jobctl_applied (
                id int PRIMARY KEY CHECK (id = 1),
                commit text NOT NULL,
                version bigint NOT NULL,
                node text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // Whether `p_commit` is the commit in force (or none is applied yet).
            """
            CREATE FUNCTION jobctl_in_force(p_commit text) RETURNS boolean AS $$
                SELECT NOT EXISTS (SELECT 1 FROM jobctl_applied WHERE id = 1 AND commit IS DISTINCT FROM p_commit)
            $$ LANGUAGE sql STABLE
            """,
            // Claims fenced by the commit the claiming node runs: -2 for every fire when it is
            // not the commit in force (the node claims again once it runs it).
            """
            CREATE FUNCTION jobctl_claim_all(p_jobs text[], p_times timestamptz[], p_node text, p_incarnation uuid, p_commit text) RETURNS SETOF double precision AS $$
            BEGIN
                IF NOT jobctl_in_force(p_commit) THEN
                    RETURN QUERY SELECT -2::double precision FROM unnest(p_jobs);
                    RETURN;
                END IF;
                RETURN QUERY SELECT * FROM jobctl_claim_all(p_jobs, p_times, p_node, p_incarnation);
            END
            $$ LANGUAGE plpgsql
            """,
            // Starts fenced the same way, by the commit in the run's marker (-3), unless the run
            // runs a definition of its own (`rerun --at-commit`).
            "ALTER FUNCTION jobctl_start(text, timestamptz, text[], bigint, text, timestamptz, text, uuid, timestamptz, text) RENAME TO jobctl_start_unfenced",
            """
            CREATE FUNCTION jobctl_start(p_job text, p_since timestamptz, p_expected text[], p_starts bigint, p_run text, p_scheduled timestamptz,
                                         p_node text, p_incarnation uuid, p_started timestamptz, p_marker text) RETURNS bigint AS $$
            BEGIN
                IF NOT coalesce((p_marker::json->>'ownDefinition')::boolean, false) AND NOT jobctl_in_force(p_marker::json->>'commit') THEN
                    RETURN -3;
                END IF;
                RETURN jobctl_start_unfenced(p_job, p_since, p_expected, p_starts, p_run, p_scheduled, p_node, p_incarnation, p_started, p_marker);
            END
            $$ LANGUAGE plpgsql
            """,
        ]),
        (4, [
            // Every node exports every run to its own history files, in one order for all: the
            // order the runs became final, by transaction id (``HistoryExporter``). A trigger
            // stamps each row with its transaction when it becomes final; the leader's
            // `exported` flag is gone.
            "ALTER TABLE jobctl_runs ADD COLUMN final_xid xid8",
            "UPDATE jobctl_runs SET final_xid = pg_current_xact_id() WHERE state <> 'running'",
            "CREATE INDEX jobctl_runs_final ON jobctl_runs (final_xid, run) WHERE final_xid IS NOT NULL",
            """
            CREATE FUNCTION jobctl_stamp_final() RETURNS trigger AS $$
            BEGIN
                NEW.final_xid := pg_current_xact_id();
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """,
            "CREATE TRIGGER jobctl_final_insert BEFORE INSERT ON jobctl_runs FOR EACH ROW WHEN (NEW.state <> 'running') EXECUTE FUNCTION jobctl_stamp_final()",
            """
            CREATE TRIGGER jobctl_final_update BEFORE UPDATE ON jobctl_runs FOR EACH ROW
            WHEN (OLD.state = 'running' AND NEW.state <> 'running') EXECUTE FUNCTION jobctl_stamp_final()
            """,
            "DROP INDEX jobctl_runs_unexported",
            "ALTER TABLE jobctl_runs DROP COLUMN exported",
        ]),
        (5, [
            // `concurrency: queue` across the cluster: at most one run of a job waits (kind
            // 'waiting', cause 'queue', its request as JSON), taken once no run of the job is in progress.
            "CREATE UNIQUE INDEX jobctl_queue_waiting ON jobctl_queue (job) WHERE kind = 'waiting'",
        ]),
        (6, [
            // A cancellation asked of a run in progress on another node (the API's cancel,
            // `concurrency: replace`): who asked; the node holding the run cancels it.
            "ALTER TABLE jobctl_runs ADD COLUMN cancel_requested text",
        ]),
    ]

    static var latest: Int { all.map(\.version).max() ?? 0 }
}

extension ClusterDatabase {
    /// Brings the schema to this jobctl's version. Safe when several nodes start at once.
    /// - Returns: the migrations applied (empty when the schema was current).
    /// - Throws: ``ClusterError`` when the database was migrated by a newer jobctl.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Migrations.lock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS jobctl_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM jobctl_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > Migrations.latest {
                throw ClusterError("the cluster database's schema is version \(newest), newer than this jobctl's (\(Migrations.latest)): upgrade jobctl on this node")
            }
            var done: [Int] = []
            for migration in Migrations.all where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO jobctl_migrations (version) VALUES (\(migration.version))", logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }
}
