"""What a person sees of a smoke: live progress on stderr, then the summary, the list, the comparison (stdout)."""

from rich.markup import escape

from ascendfix.output import make_console, print_table, shown, styled_mark
from ascendfix.smoke import timing

STAGE_TITLES = {
    "preflight": "preflight checks",
    "weights": "weights",
    "import": "import framework",
    "download": "download weights",
    "configure": "configure device",
    "build_tiny": "build tiny pipeline",
    "load": "load pipeline",
    "generate": "generate",
    "save": "save PNG",
}


def _title(stage, label):
    title = STAGE_TITLES.get(stage, stage)
    if stage == "generate" and label.get("of", 1) > 1:
        title = "{} {}/{}{}".format(title, label["index"], label["of"], " (warm-up)" if label.get("warmup") else "")
    return title


class Display(object):
    """Progress on stderr: a live rich display on a terminal, plain stage lines otherwise, none with --json."""

    def __init__(self, quiet, steps, verbose=False):
        self.quiet = quiet
        self.verbose = verbose
        self.con = make_console(stderr=True)
        self.live = not quiet and self.con.is_terminal
        self.steps = steps
        self.progress = None
        self.tasks = {}
        self.current = None

    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(), console=self.con, transient=False,
            )
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False

    def _key(self, stage, label):
        return (stage, label.get("index"))

    def start(self, stage, **label):
        self.current = self._key(stage, label)
        if self.progress is not None:
            total = self.steps if stage == "generate" else 1
            self.tasks[self.current] = self.progress.add_task(escape(_title(stage, label)), total=total, info="")

    def step(self, i, n):
        if self.progress is not None and self.current in self.tasks and self.current[0] == "generate":
            self.progress.update(self.tasks[self.current], completed=i, total=n, info="step {}/{}".format(i, n))

    def done(self, stage, status, seconds=None, info="", **label):
        text = "{:.1f} s".format(seconds) if seconds is not None else ""
        if info:
            text = (text + "  " + info).strip()
        key = self._key(stage, label)
        if self.progress is not None:
            if key not in self.tasks:
                self.start(stage, **label)
            task = self.tasks[key]
            total = self.progress.tasks[[t.id for t in self.progress.tasks].index(task)].total
            mark = styled_mark("ok" if status == "done" else "error", self.con)
            self.progress.update(task, completed=total, info=escape(text),
                                 description="{} {}".format(mark, escape(_title(stage, label))))
            self.progress.stop_task(task)
        elif not self.quiet:
            mark = styled_mark("ok" if status == "done" else ("warn" if status == "warn" else "error"), self.con)
            self.con.print("{} {:<20} {}".format(mark, escape(_title(stage, label)), escape(text)))

    def note(self, text):
        if not self.quiet:
            self.con.print("  " + escape(text), soft_wrap=True)

    def finding(self, status, title, detail):
        if not self.quiet:
            self.con.print("  {} {}: {}".format(styled_mark(status, self.con), escape(str(title)), escape(str(detail))),
                           soft_wrap=True)


# ------------------------------------------------------------------ summary


def render_summary(rep, out, verbose=False, con=None, also_written=()):
    con = con or make_console()
    v = (rep.get("recipe") or {}).get("values") or {}
    rid = rep["recipe"]["id"]
    what = "{} ({}, {}, {}{})".format(rid, v.get("device"), v.get("dtype"), v.get("mode"),
                                      ", tiny" if rep["recipe"].get("tiny") else "")
    if rep["status"] == "pass":
        con.print("{} smoke passed: {}".format(styled_mark("ok", con), escape(what)))
    else:
        f = rep.get("failure") or {}
        con.print("{} smoke failed at {}: {}".format(styled_mark("error", con), escape(str(f.get("stage"))),
                                                     escape(what)))
        con.print("  {}".format(f.get("message")), markup=False, soft_wrap=True)
    if verbose:
        _render_environment(con, rep)
    _render_timings(con, rep, verbose)
    mem = rep.get("memory") or {}
    if mem.get("peak_host_rss_mb") is not None:
        line = "peak host RSS {:.0f} MB".format(mem["peak_host_rss_mb"])
        dev = mem.get("device") or {}
        if dev.get("peak_allocated_mb") is not None:
            line += ", device peak {:.0f} MB".format(dev["peak_allocated_mb"])
        con.print(line)
    if rep.get("image"):
        for c in rep["image"]["checks"]:
            con.print("  {} {:<10} {}".format(styled_mark(c["status"], con), escape(c["name"]), escape(c["detail"])))
    _render_references(con, rep, verbose)
    f = rep.get("failure") or {}
    if f.get("hint"):
        con.print("  hint: {}".format(f["hint"]), markup=False, soft_wrap=True)
    diag = rep.get("diagnosis") or {}
    for m in diag.get("matches") or []:
        con.print("  diagnosis [{}] {}".format(m.get("id"), m.get("title")), markup=False)
        fix = m.get("fix")
        if fix:
            fix = fix if isinstance(fix, str) else "; ".join(map(str, fix))
            for line in fix.strip().splitlines():
                con.print("    fix: " + line, markup=False, soft_wrap=True)
    if f and not diag.get("matches") and f.get("traceback"):
        con.print("  no known signature for this error (the traceback is in report.json)", markup=False)
    if verbose and f.get("stderr_tail"):
        con.print("  last lines of the framework's output:", markup=False)
        for line in f["stderr_tail"].strip().splitlines()[-15:]:
            con.print("    " + line, markup=False, soft_wrap=True)
    if rep.get("comparison"):
        render_comparison(rep["comparison"], con=con)
    png = (rep.get("image") or {}).get("path")
    written = [png.rsplit("/", 1)[-1]] if png else []
    con.print("wrote {} in {}".format(", ".join(written + ["report.json"] + list(also_written)), shown(out)),
              markup=False)


def _render_environment(con, rep):
    env = rep.get("environment") or {}
    con.print("  python {} ({})".format(env.get("python_version"), env.get("python")), markup=False)
    pk = env.get("framework") or env.get("packages") or {}
    if pk:
        con.print("  " + ", ".join("{} {}".format(k, v) for k, v in sorted(pk.items())), markup=False, soft_wrap=True)
    if env.get("npu"):
        con.print("  NPU: {}".format(env["npu"]), markup=False)
    pre = rep.get("preflight") or {}
    if pre.get("skipped"):
        con.print("  preflight skipped: {}".format(pre["skipped"]), markup=False)
    for note in rep.get("notes") or []:
        con.print("  note: {}".format(note), markup=False)


def _render_timings(con, rep, verbose):
    t = rep.get("timings") or {}
    tm = rep.get("timing") or {}
    stats = tm.get("stats") or {}
    if not any(k in t for k in ("import", "load", "total")):
        return
    from rich.table import Table

    v = (rep.get("recipe") or {}).get("values") or {}
    calls = tm.get("calls") or {}
    multi = calls.get("measured", 1) > 1
    table = Table(show_header=True, box=None, pad_edge=False)
    table.add_column("stage")
    table.add_column("median s" if multi else "seconds", justify="right")
    if multi:
        table.add_column("± MAD", justify="right")
        table.add_column("min–max", justify="right")
    if verbose and multi:
        table.add_column("every call", justify="left")
    for key in ("import", "build_tiny", "load", "text_encoding", "denoising", "vae_decode", "generate"):
        s = stats.get(key)
        val = s["median"] if s else t.get(key)
        if val is None or (key == "generate" and not multi and not verbose):
            continue
        label = key.replace("_", " ")
        if key == "denoising" and t.get("it_per_s"):
            label += " ({} steps, {:.2f} it/s)".format(v.get("steps"), t["it_per_s"])
        row = [label, "{:.2f}".format(val)]
        if multi:
            per_call = key in timing.PER_CALL and s
            row += ["{:.3f}".format(s["mad"]) if per_call else "", "{:.2f}–{:.2f}".format(s["min"], s["max"])
                    if per_call else ""]
        if verbose and multi:
            row.append(" ".join("{:.2f}".format(x) for x in s["samples"]) if key in timing.PER_CALL and s else "")
        table.add_row(*row)
    if "total" in t:
        table.add_row(*(["total", "{:.2f}".format(t["total"])] + ([""] * (len(table.columns) - 2))))
    print_table(con, table)
    first = tm.get("first_call") or {}
    if calls.get("warmup") or multi:
        if first.get("overhead_s") is not None:
            from ascendfix.report.page import first_call_text

            con.print(first_call_text(first), markup=False)
        con.print("{} measured call(s) after {} warm-up call(s)".format(calls.get("measured"), calls.get("warmup")),
                  markup=False)


def _render_references(con, rep, verbose):
    refs = rep.get("references") or []
    if not refs:
        return
    con.print("published figures for this recipe:", markup=False)
    for r in refs:
        mark = styled_mark("ok" if r["comparable"] else "info", con)
        con.print("  {} {}".format(mark, escape(r["title"])), soft_wrap=True)
        con.print("      {}".format(r["summary"]), markup=False, soft_wrap=True)
        if verbose:
            for note in r.get("notes") or []:
                con.print("      note: {}".format(note), markup=False, soft_wrap=True)
            con.print("      source: {}".format(r["source"]), markup=False, soft_wrap=True)


# ------------------------------------------------------------------ --list


def render_list(doc, con=None):
    from rich.table import Table

    con = con or make_console()
    table = Table(title="smoke recipes (target: {} {})".format(doc["python"], doc["version"]), title_justify="left")
    for col in ("recipe", "stack", "title", "can run here"):
        table.add_column(col, no_wrap=col in ("recipe", "stack"))
    for row in doc["recipes"]:
        if row["runnable"]:
            here = "{} yes".format(styled_mark("ok", con))
        elif row["missing"]:
            cpu = " (CPU --tiny: yes)" if row["runnable_cpu_tiny"] else ""
            here = "{} missing {}{}".format(styled_mark("error", con), ", ".join(row["missing"]), cpu)
        else:
            cpu = "; try --tiny --device {}".format(_cpu_name(row["devices"])) if row["runnable_cpu_tiny"] else ""
            here = "{} packages ok, no NPU device{}".format(styled_mark("warn", con), cpu)
        rid = row["id"] + (" (default)" if row["default"] else "")
        table.add_row(rid, row["stack"], escape(row["title"]), here)
    print_table(con, table)
    for row in doc["recipes"]:
        if row["missing"] and "mindiesd" in row["missing"]:
            con.print("{}: MindIE-SD not installed. {}".format(row["id"], row["install"]), markup=False)


def _cpu_name(devices):
    return next((d for d in devices if d.lower() == "cpu"), "CPU")


# ------------------------------------------------------------------ --compare


def render_comparison(comp, con=None):
    from rich.table import Table

    con = con or make_console()
    old, new = comp["old"], comp["new"]
    con.print("compared with {} (started {}; {} call(s) then, {} now; threshold {:.0f}%):".format(
        old.get("report") or "the earlier smoke", old.get("started"), old.get("calls"), new.get("calls"),
        comp["threshold"] * 100), markup=False)
    for d in comp["differences"]:
        con.print("  {} settings differ: {} {} then, {} now".format(styled_mark("error", con), d["setting"],
                                                                  d["old"], d["new"]), soft_wrap=True)
    for c in comp["changes"]:
        con.print("  {} {}: {} → {}".format(styled_mark("info", con), escape(c["what"]), escape(str(c["old"])),
                                            escape(str(c["new"]))), soft_wrap=True)
    if comp["stages"]:
        table = Table(show_header=True, box=None, pad_edge=False)
        for col, just in (("stage", "left"), ("then", "right"), ("now", "right"), ("change", "right"),
                          ("noise", "right"), ("verdict", "left")):
            table.add_column(col, justify=just)
        for r in comp["stages"]:
            unit = " steps/s" if r["unit"] == "steps/s" else " s"
            verdict = r["verdict"]
            if r["regression"]:
                verdict = "{} slower: regression".format(styled_mark("error", con))
            elif verdict == "faster":
                verdict = "{} faster".format(styled_mark("ok", con))
            elif verdict == "slower":
                verdict = "{} slower{}".format(styled_mark("warn", con), "" if r["gated"] else " (not gated)")
            else:
                verdict = "= same (within noise)"
            change = "{:+.1f}%".format(r["change"] * 100) if r["change"] is not None else "-"
            table.add_row(r["label"], _side(r["old"], unit), _side(r["new"], unit), change,
                          "±{:.3g}{}".format(2 * r["noise"], "" if r["noise_known"] else " (floor)"), verdict)
        print_table(con, table)
    if comp.get("note"):
        con.print("  " + comp["note"], markup=False)
    if comp["ok"]:
        con.print("{} no regression beyond {:.0f}%".format(styled_mark("ok", con), comp["threshold"] * 100))
    elif not comp["comparable"]:
        con.print("{} not comparable: the settings differ (rerun with the same ones)".format(styled_mark("error", con)))
    elif comp["regressions"]:
        con.print("{} regression: {}".format(styled_mark("error", con), ", ".join(
            timing.STAGE_LABELS.get(s, s) for s in comp["regressions"])))


def _side(s, unit):
    text = "{:.3g}{}".format(s["median"], unit)
    if s.get("n", 1) > 1:
        text += " ±{:.2g} (n={})".format(s["mad"], s["n"])
    return text
