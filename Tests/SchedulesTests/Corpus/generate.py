#!/usr/bin/env python3
"""Generates corpus.json: expected fire times of the expressions in expressions.txt.

For every expression, zone and start instant it asks two independent oracles:
  * cronsim (PyPI, Healthchecks' implementation of Debian cron's DST rules), and
  * a brute-force walk written here from DESIGN.md §3 alone: real time advances minute by
    minute (second by second for six-field expressions) and every instant is checked.
When they agree the case is marked "cronsim"; when cronsim cannot parse the expression
(nW, ?, FRI-SUN) or disagrees, the brute-force walk is the expectation and the case records
cronsim's answer and a category, so every deliberate difference is listed in the output.

Run:  pip install cronsim croniter && python3 generate.py   (writes corpus.json here)
`swift test` reads corpus.json and needs no Python.
"""
import calendar
import importlib.metadata
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import cronsim

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = timezone.utc
FIRES_PER_CASE = 10

DST_ZONES = [
    "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe",
    "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago", "America/Havana",
]

MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *", "@first-weekday": "0 0 1W * *",
}

# ---------------------------------------------------------------- brute-force oracle

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()
BOUNDS = {"sec": (0, 59), "min": (0, 59), "hour": (0, 23), "dom": (1, 31), "mon": (1, 12), "dow": (0, 7)}


def value(tok, kind):
    tok = tok.upper()
    if kind == "mon" and tok in MONTHS:
        return MONTHS.index(tok) + 1
    if kind == "dow" and tok in DAYS:
        return DAYS.index(tok)
    v = int(tok)
    lo, hi = BOUNDS[kind]
    assert lo <= v <= hi, (tok, kind)
    return v


def field(text, kind):
    """Returns (plain values, extensions) of one field."""
    values, ext = set(), []
    for item in text.split(","):
        up = item.upper()
        if kind == "dom" and up in ("L", "LW"):
            ext.append(up)
            continue
        if kind == "dom" and up.endswith("W"):
            ext.append(("W", int(up[:-1])))
            continue
        if kind == "dow" and "#" in up:
            a, b = up.split("#")
            ext.append(("#", value(a, kind) % 7, int(b)))
            continue
        if kind == "dow" and up.endswith("L"):
            ext.append(("L", value(up[:-1], kind) % 7))
            continue
        step = 1
        has_step = "/" in item
        if has_step:
            item, s = item.split("/")
            step = int(s)
        lo, hi = BOUNDS[kind]
        if item in ("*", "?"):
            a, b = lo, hi
        elif "-" in item:
            x, y = item.split("-")
            a, b = value(x, kind), value(y, kind)
            if kind == "dow" and b == 0 and y.upper() == "SUN":
                b = 7
        else:
            a = value(item, kind)
            b = hi if has_step else a
        values.update(range(a, b + 1, step))
    if kind == "dow" and 7 in values:
        values.add(0)
    return values, ext


class Brute:
    def __init__(self, expr):
        expr = MACROS.get(expr.strip(), expr)
        parts = expr.split()
        self.six = len(parts) == 6
        if not self.six:
            parts = ["0"] + parts
        self.sec, _ = field(parts[0], "sec")
        self.min, _ = field(parts[1], "min")
        self.hour, _ = field(parts[2], "hour")
        self.dom, self.dom_ext = field(parts[3], "dom")
        self.mon, _ = field(parts[4], "mon")
        self.dow, self.dow_ext = field(parts[5], "dow")
        star = lambda p: p.startswith("*") or p.startswith("?")
        self.both = star(parts[3]) or star(parts[5])
        self.fixed = not self.six and not star(parts[1]) and not star(parts[2])

    def day_matches(self, y, m, d):
        length = calendar.monthrange(y, m)[1]
        wd = (calendar.weekday(y, m, d) + 1) % 7  # 0 = Sunday
        dom = d in self.dom
        for e in self.dom_ext:
            if e == "L":
                dom |= d == length
            elif e == "LW":
                t = length
                while (calendar.weekday(y, m, t) + 1) % 7 in (0, 6):
                    t -= 1
                dom |= d == t
            else:
                n = e[1]
                if n <= length:
                    nwd = (calendar.weekday(y, m, n) + 1) % 7
                    if nwd == 6:
                        t = n - 1 if n > 1 else n + 2
                    elif nwd == 0:
                        t = n + 1 if n < length else n - 2
                    else:
                        t = n
                    dom |= d == t
        dow = wd in self.dow
        for e in self.dow_ext:
            if e[0] == "#":
                dow |= wd == e[1] and (d - 1) // 7 + 1 == e[2]
            else:
                dow |= wd == e[1] and d + 7 > length
        return (dom and dow) if self.both else (dom or dow)

    def wall_matches(self, w):
        return (w.month in self.mon and w.hour in self.hour and w.minute in self.min
                and w.second in self.sec and self.day_matches(w.year, w.month, w.day))

    def fires(self, start, zone, count):
        """Fire instants strictly after `start` (aware UTC datetime)."""
        tz = ZoneInfo(zone)
        step = timedelta(seconds=1 if self.six else 60)
        out = []
        # Align to a whole step and begin one day early, to know the wall times already shown.
        t = start.replace(second=0, microsecond=0) - timedelta(days=1)
        max_wall = None
        naive = lambda t: t.astimezone(tz).replace(tzinfo=None)
        while len(out) < count:
            w = naive(t)
            if w.month not in self.mon or not self.day_matches(w.year, w.month, w.day):
                # Jump to 3 hours (in wall time) before the next matching day: offsets change by
                # less than that in these zones, so no instant of a matching day is jumped over.
                d = w.date() + timedelta(days=1)
                while d.month not in self.mon or not self.day_matches(d.year, d.month, d.day):
                    d += timedelta(days=1)
                rest = datetime.combine(d, datetime.min.time()) - w
                if rest > timedelta(hours=3):
                    t += rest - timedelta(hours=3)
                    t = t.replace(second=0) if not self.six else t
                    if self.fixed:
                        max_wall = naive(t - step)
                    continue
            if self.six and (w.hour not in self.hour or w.minute not in self.min):
                # No second of this wall minute can match: go to the next minute (offsets in
                # these zones are whole minutes, so wall minutes start on real minutes).
                t += timedelta(seconds=60 - w.second)
                continue
            if self.fixed:
                # A wall time fires when the clock first reaches it (or passes it in a gap).
                fire = False
                if max_wall is None:
                    fire = False
                elif w > max_wall:
                    probe = max_wall + step
                    while probe <= w:
                        if self.wall_matches(probe):
                            fire = True
                            break
                        probe += step
                max_wall = w if max_wall is None else max(max_wall, w)
            else:
                fire = self.wall_matches(w)
            if fire and t > start:
                out.append(t)
            t += step
        return out


# ---------------------------------------------------------------- cronsim

def cronsim_fires(expr, start, zone, count):
    expanded = MACROS.get(expr.strip(), expr)
    tz = ZoneInfo(zone)
    it = cronsim.CronSim(expanded, start.astimezone(tz))
    out = []
    for _ in range(count):
        out.append(next(it).astimezone(UTC))
    return out


# ---------------------------------------------------------------- cases

def transitions(zone, year):
    """Instants (UTC) where the zone's offset changes during `year`."""
    tz = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found = []
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        n = t + timedelta(hours=6)
        off = n.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, n
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(second=0, microsecond=0))
            prev = off
        t = n
    return found


def starts_for(zone, rotation):
    if zone == "UTC":
        return [datetime(2026, 1, 1, tzinfo=UTC), datetime(2024, 2, 27, 12, 0, 30, tzinfo=UTC),
                datetime(1999, 12, 31, 23, 59, 30, tzinfo=UTC)]
    year = {"Asia/Kathmandu": 1986}.get(zone, [2026, 2025, 2027][rotation % 3])
    out = []
    for tr in transitions(zone, year if zone != "Asia/Kathmandu" else 1986)[:2]:
        out.append(tr - timedelta(minutes=90))
        out.append(tr - timedelta(hours=26))
        out.append(tr + timedelta(minutes=10))  # just after a gap, or inside a repeated hour
    if zone == "Asia/Kathmandu":
        out.append(datetime(2026, 6, 1, tzinfo=UTC))
    return out


def iso(t, zone):
    s = t.astimezone(ZoneInfo(zone)).isoformat()
    return s.replace("+00:00", "Z") if zone == "UTC" else s


def classify(expr, zone, brute, sim, start):
    """Why cronsim's answer differs from the brute-force walk (which is expected)."""
    if len(set(sim)) != len(sim):
        return ("duplicate: cronsim returns the same instant more than once (several wall times "
                "skipped by one spring-forward gap all map to its end); jobctl fires once")
    if any(x <= start for x in sim):
        return ("not-after-start: cronsim returns an instant at or before the start (the start lies "
                "in the second pass of a repeated hour; cronsim drops the fold)")
    offsets = {t.astimezone(ZoneInfo(zone)).utcoffset() for t in brute + sim}
    if any((o.total_seconds() % 3600) != 0 for o in offsets) or zone in ("Australia/Lord_Howe",):
        return ("partial-hour-zone: cronsim misses fire times around a transition in a zone whose offset or "
                "DST shift is not whole hours (its hour step assumes one-hour shifts); the brute-force walk "
                "finds them")
    return "other: cronsim differs from the brute-force walk around a DST transition"


def write_corpus(out):
    """One case per line: small diffs when the corpus changes."""
    with open(os.path.join(HERE, "corpus.json"), "w") as f:
        f.write("{\n")
        for key in ("about", "cronsim", "expressions"):
            f.write(f"{json.dumps(key)}: {json.dumps(out[key])},\n")
        f.write('"cases": [\n')
        f.write(",\n".join(json.dumps(c) for c in out["cases"]))
        f.write("\n]}\n")


def main():
    exprs = []
    dst_section = set()
    section = ""
    for line in open(os.path.join(HERE, "expressions.txt")):
        line = line.strip()
        if line.startswith("# ---"):
            section = line
        if line and not line.startswith("#") and line not in exprs:
            exprs.append(line)
            if "DST" in section or "transitions" in section:
                dst_section.add(line)
    cases = []
    differences = []
    for i, expr in enumerate(exprs):
        brute = Brute(expr)
        if expr in dst_section:
            zones = ["UTC"] + DST_ZONES  # the DST sections run in every DST zone
        else:
            zones = ["UTC", DST_ZONES[i % len(DST_ZONES)], DST_ZONES[(i * 3 + 1) % len(DST_ZONES)]]
        for zone in dict.fromkeys(zones):
            for start in starts_for(zone, i):
                expected = brute.fires(start, zone, FIRES_PER_CASE)
                case = {"expr": expr, "zone": zone, "from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "expected": [iso(t, zone) for t in expected]}
                try:
                    sim = cronsim_fires(expr, start, zone, FIRES_PER_CASE)
                except (cronsim.CronSimError, ValueError, StopIteration) as e:
                    case["oracle"] = "brute-force (cronsim rejects this syntax)"
                else:
                    if sim == expected:
                        case["oracle"] = "cronsim"
                    else:
                        case["oracle"] = "brute-force"
                        case["cronsim"] = [iso(t, zone) for t in sim]
                        case["difference"] = classify(expr, zone, expected, sim, start)
                        differences.append(case)
                cases.append(case)
        print(f"{i + 1}/{len(exprs)} {expr}", file=sys.stderr)
    out = {
        "about": "Generated by generate.py from expressions.txt; do not edit. Each case: the first "
                 f"{FIRES_PER_CASE} fire times strictly after `from`, in `zone`.",
        "cronsim": importlib.metadata.version("cronsim"),
        "expressions": len(exprs),
        "cases": cases,
    }
    write_corpus(out)
    print(f"{len(exprs)} expressions, {len(cases)} cases, {len(differences)} differ from cronsim", file=sys.stderr)
    kinds = {}
    for d in differences:
        kinds[d["difference"].split(":")[0]] = kinds.get(d["difference"].split(":")[0], 0) + 1
    print("differences by kind:", kinds, file=sys.stderr)
    for d in differences:
        print(f"DIFF {d['expr']!r} {d['zone']} from {d['from']}: {d['difference']}\n  jobctl  {d['expected']}\n  cronsim {d['cronsim']}", file=sys.stderr)


if __name__ == "__main__":
    main()
