/*
 * jobctl cluster mode: fire claims, admission, heartbeats, reaping and fenced finishes, modelled
 * for the spin model checker. Checked exhaustively by .ci/model-check, i.e.
 *     spin -a fire-claims.pml && cc -O2 -DSAFETY -o pan pan.c && ./pan -m10000
 *
 * MAPPING. PostgreSQL tables are global variables; each transaction is one d_step (it runs as
 * one indivisible step, reading the database clock `now`); anything between two transactions
 * (node steps, pauses, crashes) interleaves with everything else.
 *   jobctl_nodes(node, incarnation, heartbeat_at) -> alive[], inc[], age[] (ticks since
 *                                   heartbeat_at, capped at DEAD + 1 instead of an absolute time)
 *   jobctl_fires(job, scheduled_at) UNIQUE, (node, incarnation) -> claimed[], cNode[], cInc[]
 *   jobctl_runs, the row of fire f (a run or a decision) -> rs[f], and for a run its owner
 *                                   (node, incarnation) rOwner[], rInc[]; its token is held by
 *                                   its admitter only (one row per fire), so the node's tokens
 *                                   are one bit per fire (tok[n]).
 *   C  claim(n, f)   jobctl_claim: only if now >= f's time and n's (node, incarnation) row is
 *                    live: inserts f's fire row (ON CONFLICT DO NOTHING), nothing else. Tried
 *                    once n's own clock says f is due; too early by the database's clock: no-op
 *                    (n tries again later).
 *   A  admit(n)      ClusterLedger.admit: reads the job's running runs on every node, decides,
 *                    and writes a start with jobctl_start, under the job's lock, only if what it
 *                    read still holds (else it reads and decides again): the same as one
 *                    transaction under the lock, which is how it is modelled. (A start tried
 *                    first on what the node last knew, with no reading, is the same check on an
 *                    older reading, and a refusal is never taken on one.) It reads the job's
 *                    running runs on every node; if one is running (concurrency skip, limit 1)
 *                    the decision is `skipped`, written by D; else, only if the incarnation that
 *                    claimed the fire is live, inserts the run `running` owned by it, with a
 *                    fresh token; if it is not live, nothing is written and the refusal
 *                    (`failed`: "cannot reach the cluster") is written by D.
 *   D  decide(n)     ClusterLedger.append of a decision (skipped, failed, missed), a transaction
 *                    of its own after A: inserted only while the claiming incarnation is live.
 *   F  finish(n, f)  ClusterLedger.append of a run's record: accepted only if the run is
 *                    running, owned by n, and n holds its token (or, having lost its tokens by
 *                    re-registering, the run is of another incarnation of n). One final outcome
 *                    `done` (completed and failed are alike here). No retries, no queue.
 *   H  heartbeat(n)  heartbeat_at = now if n's row still has n's incarnation; if not (reaped), n
 *                    registers as a new incarnation and forgets its tokens; its child and its
 *                    claim in progress go on (they belong to the scheduler, not the ledger).
 *   R  reap          Membership.reap, by any live node (the leader in reality): deletes every
 *                    row with heartbeat older than DEAD ticks and settles those incarnations.
 *   register(n)      Membership.register (at start and after being reaped): replaces n's row
 *                    and settles the incarnation it replaced, in the same transaction.
 *   settle(m, i)     every `running` run of (m, i) becomes `interrupted`; every fire (m, i)
 *                    claimed that has no row in jobctl_runs (no run, no decision) is recorded
 *                    `missed` (an orphaned claim). Only the incarnations deleted or replaced in
 *                    that transaction are settled, as in the implementation.
 *   STALE: a fire claimed more than STALE ticks late by the database's clock is recorded `missed`
 *   by its claimer (the catch-up's `missed` record, written under a claim) by D, not admitted.
 * Faults: any node may stop being scheduled between any two of its transactions for any number
 * of ticks (a pause: spin explores every interleaving with the clock, so pauses are unbounded),
 * in particular between C and A, A and D, A and F; at most CRASHES crash in a run (memory lost:
 * claim, tokens, child), after which the node either restarts as a new incarnation or stays
 * away for good (which also stands for a pause that never ends); node n's clock is (n - 1) *
 * SKEW ticks off the database's and only decides when n tries a claim.
 * Bounds: 3 nodes, 2 fires (due at ticks 1 and 2) of one job (concurrency skip, limit 1, no
 * retries: one attempt), DEAD 1, STALE 1, 1 crash, clock 0..MAXTIME (4). After the last tick the
 * clock stops and the nodes drain: the run ends when no step is enabled (spin's `timeout`). A
 * node that stayed away is then dead: its row counts as older than DEAD (time goes on for the
 * reaper).
 *
 * PROPERTIES (assertions, checked in every transaction and at the end):
 *   P1 no fire row is inserted while now < its time, whatever a node's clock says;
 *   P2 no fire runs twice: a fire gets at most one row in jobctl_runs (so at most one run, at
 *      most one running, and at most one final outcome: done, skipped, failed, missed or
 *      interrupted), and a final outcome is only ever written over `running` or over nothing;
 *   P3 no stale write: an accepted admit or decision comes from the incarnation that claimed
 *      the fire, an accepted finish from the run's owner, and that incarnation's row is live
 *      (a reaped holder is always refused);
 *   P4 the job's running runs never exceed its limit (1);
 *   P5 no fire lost: when nothing more can happen, every fire is claimed and has one final
 *      outcome; nothing is left running, or claimed without an outcome.
 * Deliberate bugs (CI checks that each is caught):
 *   BUG_UNFENCED_ADMIT  A inserts the run without checking that the claimer is live: a node
 *                       paused between C and A starts a run after the reaper recorded its claim
 *                       `missed` (P2/P3);
 *   BUG_UNFENCED        F writes without its `state = running AND token = ...` predicate (P2).
 * The code as it was when this was written (not checked by CI; each fails):
 *   CODE_CURRENT_INC    A and D name the node's incarnation at the time of the call, which H may
 *                       have renewed since C: the new incarnation starts or records a fire whose
 *                       claim the reaper already recorded `missed` (P3, then P2). The model
 *                       requires the claim's incarnation to be passed from C to A and D.
 *   CODE_READ_COMMITTED A as two steps, its check and its commit, as under READ COMMITTED
 *                       without a lock on the node's row (`WHERE EXISTS (SELECT ... FROM
 *                       jobctl_nodes ...)` takes none): a reap between the two neither sees
 *                       the run nor waits for it, and records the claim `missed` (P2); the
 *                       run's incarnation is never settled again, so if its node dies it stays
 *                       `running` for ever (P5) and blocks the job. The default model requires
 *                       the check to lock the row (FOR SHARE), which makes the reap or register
 *                       wait for the admit, or the admit see the row gone. C and D have the
 *                       same pattern (not modelled split).
 * With the fences in place, D's `failed` and F's token-less clause are never accepted (they
 * only matter under the CODE_ variants). spin prints mtypes as numbers in its messages:
 * missed 1, failed 2, skipped 3, interrupted 4, done 5, running 6, absent 7.
 * Size: 9.46 million states, about 25 s and 1 GB (-DSAFETY, default hash table).
 *
 * SIMPLIFICATIONS. The guarantee is about database state: a run that was `interrupted` (its
 * node reaped) may still have its child executing, and that child's effects are not undone;
 * "runs once" is for the records, not for child processes (at most one `running` row, not at
 * most one child). Time is whole ticks. Transactions are serializable (each is one step); the
 * implementation runs under READ COMMITTED, which is equivalent only where a row lock orders
 * the check against the reaper (see CODE_READ_COMMITTED). One job, concurrency skip with limit
 * 1 (queue, replace, higher limits, rate limits, fan-outs and job retries are not modelled);
 * one attempt per fire. A claim that would be a no-op (fire claimed already, node not live) is
 * not attempted; a node keeps trying a fire until someone claims it (the implementation gives
 * up after a refused claim, relying on the other nodes or on catch-up). Graceful leave is not
 * modelled. The recovery write of an earlier incarnation's marker is only modelled as the
 * finish without a token. Each node runs at most one admission at a time (the scheduler's loop
 * is sequential) and up to one child per fire. Owner and incarnation of a final row are
 * dropped (nothing reads them).
 */

#define NODES      3
#define FIRES      2
#define SKEW       1          /* node n's clock is now + (n - 1) * SKEW */
#define DEAD       1          /* a row whose heartbeat is older than DEAD ticks is reaped */
#define STALE      1          /* a fire claimed more than STALE ticks late is `missed` */
#define CRASHES    1
#define MAXTIME    4
#define NONE       255

#define AT(f)      ((f) + 1)                  /* fire f is due at tick f + 1 */
#define BIT(f)     (1 << (f))

mtype = { absent, running, done, interrupted, skipped, failed, missed };

/* The database. */
byte  now;                        /* now() */
bool  claimed[FIRES];             /* jobctl_fires */
byte  cNode[FIRES], cInc[FIRES];
mtype rs[FIRES] = absent;         /* jobctl_runs: the row of each fire */
byte  rOwner[FIRES], rInc[FIRES];
bool  alive[NODES];               /* the node has a row */
byte  inc[NODES];                 /* incarnation in its row (kept when deleted: never reused) */
byte  age[NODES];                 /* ticks since heartbeat_at, capped at DEAD + 1 */

/* The nodes' memory, and the fault budget. */
bool  up[NODES];
bool  gone[NODES];                /* crashed and never coming back */
byte  myInc[NODES];               /* the ledger's incarnation */
byte  pend[NODES];                /* the fire it claimed and is admitting, or NONE */
byte  pendInc[NODES];             /* the incarnation that claimed it */
mtype dec[NODES] = absent;        /* the decision it is about to write for pend, if any */
byte  held[NODES];                /* fires whose child it runs (bits) */
byte  tok[NODES];                 /* fires whose run's token it holds (bits) */
#ifdef CODE_READ_COMMITTED
bool  admitting[NODES];           /* checked: the insert is not committed yet */
bool  jobLock;                    /* the job's advisory lock */
#endif
byte  crashes;

hidden byte f, m, i, nrun;        /* scratch of one transaction */

#define LIVE(x, c)   (alive[x] && inc[x] == (c))
#define CURRENT(n)   LIVE(n, myInc[n])
#define OLDROW(x)    (alive[x] && (age[x] > DEAD || (gone[x] && now == MAXTIME)))
#ifdef CODE_CURRENT_INC
#define USING(n)     myInc[n]
#else
#define USING(n)     pendInc[n]
#endif

/* P4: after every transaction. */
inline check() {
    nrun = 0;
    for (i : 0 .. FIRES - 1) {
        if
        :: rs[i] == running -> nrun++
        :: else
        fi
    }
    assert(nrun <= 1)                                                         /* P4 */
}

inline insert(x, s) {                 /* a row for fire x in jobctl_runs */
    assert(rs[x] == absent);                                                  /* P2 */
    rs[x] = s
}

inline settle(x, c) {                 /* what incarnation c of node x held */
    for (f : 0 .. FIRES - 1) {
        if
        :: rs[f] == running && rOwner[f] == x && rInc[f] == c ->
            rs[f] = interrupted; rOwner[f] = 0; rInc[f] = 0
        :: claimed[f] && cNode[f] == x && cInc[f] == c && rs[f] == absent ->
            rs[f] = missed
        :: else
        fi
    }
}

inline register(n) {                  /* a new incarnation, never reusing a number */
    if
    :: alive[n] -> settle(n, inc[n])
    :: else
    fi;
    inc[n]++; alive[n] = true; age[n] = 0; myInc[n] = inc[n];
    check()
}

inline claim(n, x) {                  /* C */
    if
    :: now < AT(x) -> skip            /* refused: not yet due by the database clock */
    :: else ->
        claimed[x] = true; cNode[x] = n; cInc[x] = myInc[n];
        pend[n] = x; pendInc[n] = myInc[n];
        if
        :: now > AT(x) + STALE -> dec[n] = missed     /* catch-up: recorded missed */
        :: else
        fi
    fi;
    assert(!claimed[x] || now >= AT(x))                                       /* P1 */
}

inline startRun(n, x) {
    assert(LIVE(cNode[x], cInc[x]) && cNode[x] == n && cInc[x] == USING(n));  /* P3 */
    insert(x, running); rOwner[x] = n; rInc[x] = USING(n);
    held[n] = held[n] | BIT(x); tok[n] = tok[n] | BIT(x);
    pend[n] = NONE; pendInc[n] = 0;
    check()
}

inline admit(n) {                     /* A */
    f = pend[n];
    nrun = 0;
    for (i : 0 .. FIRES - 1) {
        if
        :: rs[i] == running -> nrun++
        :: else
        fi
    }
    if
    :: nrun > 0 -> dec[n] = skipped
#ifdef BUG_UNFENCED_ADMIT
    :: else -> startRun(n, f)
#else
    :: nrun == 0 && LIVE(n, USING(n)) -> startRun(n, f)
    :: nrun == 0 && !LIVE(n, USING(n)) -> dec[n] = failed   /* refused: reaped meanwhile */
#endif
    fi
}

inline decide(n) {                    /* D */
    f = pend[n];
    if
    :: LIVE(n, USING(n)) ->
        assert(LIVE(cNode[f], cInc[f]) && cNode[f] == n && cInc[f] == USING(n));   /* P3 */
        insert(f, dec[n])
    :: else -> skip                   /* refused: the reaper settled the claim */
    fi;
    pend[n] = NONE; pendInc[n] = 0; dec[n] = absent;
    check()
}

inline finish(n, x) {                 /* F */
#ifdef BUG_UNFENCED
    if
    :: true ->
#else
    if
    :: rs[x] == running && rOwner[x] == n &&
       ((tok[n] & BIT(x)) != 0 || rInc[x] != myInc[n]) ->
#endif
        assert(LIVE(rOwner[x], rInc[x]) && rOwner[x] == n);                 /* P3 */
        assert(rs[x] == running);                                            /* P2 */
        rs[x] = done; rOwner[x] = 0; rInc[x] = 0
    :: else -> skip                   /* refused: a stale write */
    fi;
    held[n] = held[n] & ~BIT(x); tok[n] = tok[n] & ~BIT(x);
    check()
}

inline crashed(n) {
#ifdef CODE_READ_COMMITTED
    if
    :: admitting[n] -> admitting[n] = false; jobLock = false   /* rolled back */
    :: else
    fi
#else
    skip
#endif
}

inline reap() {                       /* R */
    for (m : 0 .. NODES - 1) {
        if
        :: OLDROW(m) -> alive[m] = false; age[m] = 0; settle(m, inc[m])
        :: else
        fi
    }
    check()
}

active proctype Clock() {
    do
    :: d_step {
        now < MAXTIME -> now++;
        for (m : 0 .. NODES - 1) {
            if
            :: alive[m] && age[m] <= DEAD -> age[m]++
            :: else
            fi
        }
       }
    :: now == MAXTIME -> break
    od
}

proctype Node(byte n) {
end:
    do
    /* C, tried once n's own clock says the fire is due: now + (n - 1) * SKEW >= AT(f). */
    :: d_step { up[n] && pend[n] == NONE && CURRENT(n) && !claimed[0] && now + n * SKEW >= AT(0) + SKEW -> claim(n, 0) }
    :: d_step { up[n] && pend[n] == NONE && CURRENT(n) && !claimed[1] && now + n * SKEW >= AT(1) + SKEW -> claim(n, 1) }
#ifdef CODE_READ_COMMITTED
    /* A, check: the job's lock taken, the running runs read, the node's row read (not locked). */
    :: d_step {
        up[n] && pend[n] != NONE && dec[n] == absent && !admitting[n] && !jobLock ->
        jobLock = true;
        nrun = 0;
        for (i : 0 .. FIRES - 1) {
            if
            :: rs[i] == running -> nrun++
            :: else
            fi
        }
        if
        :: nrun > 0 -> dec[n] = skipped; jobLock = false
        :: nrun == 0 && LIVE(n, USING(n)) -> admitting[n] = true
        :: nrun == 0 && !LIVE(n, USING(n)) -> dec[n] = failed; jobLock = false
        fi
       }
    /* A, commit: the run row becomes visible, whatever happened to the node's row since. */
    :: d_step { admitting[n] -> admitting[n] = false; jobLock = false; startRun(n, pend[n]) }
#else
    /* A */
    :: d_step { up[n] && pend[n] != NONE && dec[n] == absent -> admit(n) }
#endif
    /* D */
    :: d_step { up[n] && dec[n] != absent -> decide(n) }
    /* The child ends (any time after A), then F. */
    :: d_step { held[n] & BIT(0) -> finish(n, 0) }
    :: d_step { held[n] & BIT(1) -> finish(n, 1) }
    /* H */
    :: d_step { up[n] && CURRENT(n) && age[n] > 0 -> age[n] = 0 }
    :: d_step { up[n] && !CURRENT(n) -> tok[n] = 0; register(n) }
    /* R */
    :: d_step { up[n] && CURRENT(n) && (OLDROW(0) || OLDROW(1) || OLDROW(2)) -> reap() }
    /* Faults: crash; later restart as a new incarnation, or stay away for good. */
    :: d_step {
        up[n] && crashes < CRASHES ->
        up[n] = false; crashes++; myInc[n] = 0;
        pend[n] = NONE; pendInc[n] = 0; dec[n] = absent; held[n] = 0; tok[n] = 0;
        crashed(n)
       }
    :: d_step { !up[n] && !gone[n] -> up[n] = true; register(n) }
    :: d_step { !up[n] && !gone[n] -> gone[n] = true }
    od
}

/* P5: once nothing can happen any more (the clock is over and the nodes have drained). */
active proctype Drained() {
    timeout ->
    d_step {
        assert(now == MAXTIME);
        for (f : 0 .. FIRES - 1) {
            assert(claimed[f]);                                       /* P5 */
            assert(rs[f] != absent && rs[f] != running)               /* P5 */
        }
    }
}

init {
    assert(NODES == 3 && FIRES == 2);   /* the nodes' steps and R's guard are written out */
    d_step {
        for (m : 0 .. NODES - 1) { up[m] = true; pend[m] = NONE; register(m) }
    };
    atomic { run Node(0); run Node(1); run Node(2) }
}
