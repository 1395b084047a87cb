"""What the reports of bench/run and bench/frame share: reading the raw and metrics files, the load
table (one row per target, the same columns in both), per-round ratios, PASS/MISS lines and the
closing verdict. Each script's report (a heredoc in it) imports this with sys.path set to bench/."""

import statistics
import sys

ERRORS = ("connect_errors", "read_errors", "write_errors", "timeout_errors")


def read(raw_path, metrics_path):
    """(metrics, invalid reasons, LOAD runs by target, RESIZE lines by target) of one run."""
    m, invalid = {}, []
    for line in open(metrics_path):
        k, _, v = line.rstrip("\n").partition("=")
        if k == "invalid":
            invalid.append(v)
        else:
            m[k] = v
    runs, resize = {}, {}
    for line in open(raw_path):
        kind, *rest = line.split() or [""]
        if kind not in ("LOAD", "RESIZE"):
            continue
        kv = dict(p.split("=", 1) for p in rest)
        if kind == "LOAD":
            runs.setdefault(kv["target"], []).append(kv)
        else:
            resize[kv["target"]] = kv
    return m, invalid, runs, resize


class Report:
    """The printed lines and the PASS/MISS verdicts, in order."""

    def __init__(self):
        self.lines, self.verdicts = [], []

    def out(self, line=""):
        self.lines.append(line)

    def target(self, name, ok, detail):
        self.verdicts.append(ok)
        self.out(f"  {'PASS' if ok else 'MISS'}  {name:<44} {detail}")

    def finish(self, invalid, results_path):
        """Prints the report and writes it to results_path; exits 1 when the run is invalid."""
        self.out()
        if invalid:
            self.out("RUN INVALID:")
            for v in invalid:
                self.out("  - " + v)
        else:
            self.out(f"run valid; {sum(self.verdicts)}/{len(self.verdicts)} targets PASS")
        text = "\n".join(self.lines) + "\n"
        open(results_path, "w").write(text)
        print(text, end="")
        sys.exit(1 if invalid else 0)


def med(runs, t, k):
    return statistics.median(float(r[k]) for r in runs[t])


def total(runs, t, k):
    return sum(int(r[k]) for r in runs[t])


def socket_errors(runs, t):
    return sum(int(r[k]) for r in runs[t] for k in ERRORS)


def cpu_us_per_req(runs, t):
    """The server's CPU time per request, median of the runs, in µs."""
    return statistics.median(float(r["server_cpu_s"]) * 1e6 / max(1, int(r["requests"])) for r in runs[t])


def load_table(rep, runs, targets):
    """One row per target present in runs; returns the most cores other processes used."""
    rep.out(f"{'target':<10} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} {'sockerr':>7} {'B/resp':>6} {'srv CPU µs/req':>14} {'ctxsw/req':>9} {'srv cores':>9} {'wrk cores':>9} {'other cores':>11} {'RSS MB (anon)':>14}")
    noisy = 0.0
    for t in targets:
        if t not in runs:
            continue
        srv = statistics.median(float(r["server_cpu_s"]) / float(r["duration_s"]) for r in runs[t])
        csw = statistics.median(int(r["server_ctx_switches"]) / max(1, int(r["requests"])) for r in runs[t])
        wrkc = statistics.median(float(r["wrk_cpu_s"]) / float(r["duration_s"]) for r in runs[t])
        other = max(float(r["other_cores"]) for r in runs[t])
        noisy = max(noisy, other)
        rss_all = max(int(r["server_rss_kb"]) for r in runs[t]) / 1024
        rss_anon = max(int(r.get("server_rss_anon_kb", 0)) for r in runs[t]) / 1024
        rep.out(f"{t:<10} {med(runs, t, 'rps'):>9.0f} {med(runs, t, 'p50_ms'):>7.2f} {med(runs, t, 'p99_ms'):>7.2f} "
                f"{total(runs, t, 'non2xx'):>7} {socket_errors(runs, t):>7} {med(runs, t, 'bytes_per_req'):>6.0f} "
                f"{cpu_us_per_req(runs, t):>14.0f} {csw:>9.1f} {srv:>9.2f} {wrkc:>9.2f} {other:>11.2f} "
                f"{rss_all:>6.0f} ({rss_anon:.0f})")
    return noisy


def ratio(runs, a, ka, b, kb, digits=2):
    """a's ka over b's kb within each round (the targets ran back to back there), and the median of
    the rounds: steadier than a ratio of medians when the machine's load drifts during the run.
    Returns (median, the rounds as text)."""
    per_round = [float(x[ka]) / float(y[kb]) for x, y in zip(runs[a], runs[b])]
    return statistics.median(per_round), " ".join(f"{v:.{digits}f}" for v in per_round)
