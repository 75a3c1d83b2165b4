"""Measure every figure of the performance targets (issue 5) and print them beside the targets.

    python benchmarks/run.py                      # 10k and 100k
    python benchmarks/run.py --sizes 10k,100k,1m  # 1M too (a few minutes)

It generates the deterministic directories first when missing (see
`generate.py`), builds a database per size with `urbact-tui load`, then
measures: in-process search per keystroke, the same through one
`urbact-tui search --stdin --json` process, keystroke → redrawn results in
the app (Textual pilot, headless), whole-process `urbact-tui search`, app
start, the load itself, peak memory of a search process, and the same
keystrokes through `fzf --filter` on the same records.  This is a script that
prints numbers, not a test: it fails nothing.  `--json FILE` also saves them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate

VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "urbact-tui") if (VENV_BIN / "urbact-tui").exists() else "urbact-tui"
FZF_QUERIES = 8   # the first queries only, typed letter by letter, for the fzf column
APP_LIMIT = 100   # what the app asks for (screens/main.py RESULT_LIMIT)
CLI_LIMIT = 20    # the CLI's default
APP_STARTS = 9    # app starts timed per size (the median is reported)
LOAD_REPEATS = {"10k": 3, "100k": 3}   # first loads and reloads per size (1M: one each)

FIXED_QUERIES = ["loule", "bilboa", "laura gijon", "ljublana", "gonzalez", "kobenhavn",
                 "lodz", "jorgensen", "gross", "sorensen tromso", "smart specialisation",
                 "project coordinator bilbao", "kovacevic zagreb", "+351 289", "mairie nimes"]

TARGETS = {  # figure: (target at 100k, target at 1M) in ms unless noted
    "search_p50": (5, None), "search_p95": (16, 60), "app_key_p95": (35, 60),
    "cli_search": (600, None), "app_start": (500, None), "load": (5000, None),
    "rss_mb": (300, None),
}


# --- helpers --------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def prefixes(query: str) -> list[str]:
    return [query[:i] for i in range(1, len(query) + 1)]


def typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters (the commonest typing slip)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def ascii_fold(text: str) -> str:
    sys.path.insert(0, str(HERE.parent / "src"))
    from urbact_tui.directory.folding import fold
    return fold(text)


def queries_for(db: Path, count: int = 10) -> list[str]:
    """Fixed queries plus names picked (deterministically) from the generated data, some with typos."""
    import sqlite3
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [row[0] for row in conn.execute(  # (a contact's title is its name)
        "SELECT name FROM contacts ORDER BY rowid LIMIT 5000")]
    conn.close()
    rng = random.Random(5)
    picked = []
    for name in rng.sample(names, min(count, len(names))):
        words = ascii_fold(name).split()
        query = " ".join(words[:2])
        if rng.random() < 0.5:
            query = " ".join([typo(words[0], rng)] + words[1:2])
        picked.append(query)
    return FIXED_QUERIES + picked


def bytecode_like_an_install() -> None:
    """Measure processes that start from compiled bytecode, as an installed app does.

    pip compiles a wheel's modules when it installs them; an editable checkout
    run with PYTHONDONTWRITEBYTECODE=1 (set on some machines) would recompile
    every module of ours at every start (~40 ms here), which no user pays.
    """
    import compileall
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    package = Path(__import__("urbact_tui").__file__).parent
    compileall.compile_dir(package, quiet=1)


def timed_run(args: list[str], stdin: str | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KB) and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, _ = proc.communicate(stdin)
    elapsed = time.perf_counter() - start
    return elapsed, 0, out


def run_with_rss(args: list[str], stdin: str) -> tuple[float, int]:
    """Run a process to the end; (wall seconds, peak RSS in MB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_maxrss // 1024


# --- measurements ----------------------------------------------------------------


def measure_load(yaml_path: Path, db: Path, repeats: int
                 ) -> tuple[list[float], list[float], list[float]]:
    """Seconds for first loads (no database yet) and for reloads over the database,
    `repeats` of each, alternating (a single load varies by ±20% on a shared VM);
    and the CPU seconds (user + system, the load and its helper) of each first load:
    the work done, which varies less than the wall time with the machine's speed."""
    import resource

    def cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    firsts, agains, cpus = [], [], []
    for _ in range(repeats):
        for leftover in (db, db.with_name(f".{db.name}.lock")):
            if leftover.exists():
                leftover.unlink()
        before = cpu()
        first, _, _ = timed_run([CLI, "load", str(yaml_path), "--db", str(db)])
        cpus.append(cpu() - before)
        if not db.exists():
            raise SystemExit(f"load of {yaml_path} failed")
        again, _, _ = timed_run([CLI, "load", str(yaml_path), "--db", str(db)])
        firsts.append(first)
        agains.append(again)
    return firsts, agains, cpus


def measure_in_process(db: Path, queries: list[str]) -> dict:
    sys.path.insert(0, str(HERE.parent / "src"))
    from urbact_tui.directory.store import Directory

    start = time.perf_counter()
    directory = Directory(db)
    index = directory.index
    open_ms = (time.perf_counter() - start) * 1000
    times: list[float] = []
    for query in queries:
        if hasattr(index, "clear_cache"):
            index.clear_cache()   # each query typed afresh, as in a new session
        for text in prefixes(query):
            t = time.perf_counter()
            directory.search(text, limit=APP_LIMIT)
            times.append((time.perf_counter() - t) * 1000)
    top = {q: [h.title for h in directory.search(q, limit=3)] for q in FIXED_QUERIES[:5]}
    directory.close()
    return {"open_index_ms": open_ms, "p50": pct(times, 50), "p95": pct(times, 95),
            "max": max(times), "keystrokes": len(times), "top": top}


def measure_stdin(db: Path, queries: list[str]) -> dict:
    proc = subprocess.Popen([CLI, "search", "--stdin", "--json", "--limit", str(APP_LIMIT),
                             "--db", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    times: list[float] = []
    first = None
    for query in queries:
        for text in prefixes(query):
            t = time.perf_counter()
            proc.stdin.write(text + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            elapsed = (time.perf_counter() - t) * 1000
            if not line:
                raise SystemExit("search --stdin stopped answering: " + proc.stderr.read())
            if first is None:
                first = elapsed   # includes loading the index
            else:
                times.append(elapsed)
    proc.stdin.close()
    proc.wait()
    return {"first_ms": first, "p50": pct(times, 50), "p95": pct(times, 95), "max": max(times)}


def measure_rss(db: Path, queries: list[str]) -> int:
    lines = "".join(text + "\n" for q in queries for text in prefixes(q))
    _, rss = run_with_rss([CLI, "search", "--stdin", "--json", "--limit", str(APP_LIMIT),
                           "--db", str(db)], lines)
    return rss


def measure_cli(db: Path, queries: list[str], runs: int = 3) -> dict:
    timed_run([CLI, "search", "loule", "--db", str(db)])  # warm the page cache
    times = []
    for query in queries[:6]:
        for _ in range(runs):
            elapsed, _, _ = timed_run([CLI, "search", query, "--db", str(db)])
            times.append(elapsed * 1000)
    return {"p50": pct(times, 50), "max": max(times)}


def measure_imports(db: Path) -> dict:
    """Which heavy modules `search`, `show` and `card` import (must be none of these)."""
    import re
    heavy = ("textual", "sqlite_utils", "yaml", "yaml_rs", "phonenumbers")
    found = set()
    for command in (["search", "loule"], ["show", "city", "loule"], ["card", "city", "loule"]):
        log = subprocess.run([sys.executable, "-X", "importtime", "-m", "urbact_tui", *command,
                              "--db", str(db)], capture_output=True, text=True).stderr
        found |= {m for m in re.findall(r"\|\s+([\w.]+)$", log, re.MULTILINE)
                  if m.split(".")[0] in heavy}
    return {"heavy_imports_on_search_path": ", ".join(sorted({m.split(".")[0] for m in found}))
            or "none"}


def measure_app(db: Path, queries: list[str]) -> dict:
    probe = str(HERE / "app_probe.py")
    result: dict = {}
    starts, interactive, noticed = [], [], []
    for _ in range(APP_STARTS):
        # wall clock from spawning the process to the end of the app's last screen
        # update before it went idle, so interpreter start-up and every import are
        # included (and not the probe's 20 ms steps of waiting to notice the idleness)
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, probe, "start", str(db)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        wall = time.perf_counter() - t
        _, err = proc.communicate(timeout=300)
        if not line.startswith("{") or "error" in json.loads(line):
            return {"error": json.loads(line)["error"] if line.startswith("{") else err.strip()[-400:]}
        report = json.loads(line)
        # interpreter start-up, before T0: the report was written when idleness was noticed
        before_python = wall - report["idle_noticed"]
        starts.append((report["first_screen"] + before_python) * 1000)
        interactive.append((report["interactive"] + before_python) * 1000)
        noticed.append(wall * 1000)
    result["first_screen_ms"] = float(np.median(starts))
    result["interactive_ms"] = float(np.median(interactive))
    result["interactive_range_ms"] = (float(min(interactive)), float(max(interactive)))
    result["idle_noticed_ms"] = float(np.median(noticed))
    app_queries = [q for q in queries if q.isascii()]
    proc = subprocess.run([sys.executable, probe, "keys", str(db), *app_queries], capture_output=True,
                          text=True, timeout=900)
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines or "error" in lines[-1]:
        result["error"] = lines[-1]["error"] if lines else proc.stderr.strip()[-400:]
        return result
    keys = lines[-1]["keystrokes_ms"]
    result.update(key_p50=pct(keys, 50), key_p95=pct(keys, 95), key_max=max(keys) if keys else None,
                  keystrokes=len(keys))
    return result


def fzf_lines(yaml_path: Path) -> Path:
    """The same records as text lines for fzf: title, subtitle and the short fields."""
    lines_path = yaml_path.with_suffix(".fzf.txt")
    if lines_path.exists() and lines_path.stat().st_mtime >= yaml_path.stat().st_mtime:
        return lines_path
    sys.path.insert(0, str(HERE.parent / "src"))
    from urbact_tui.directory.entries import build_entries, display_rows
    from urbact_tui.directory.validate import validate
    from urbact_tui.directory.yamlfile import parse, read_source

    source = read_source(yaml_path)
    items = validate(parse(source), source)
    with open(lines_path, "w", encoding="utf-8") as out:
        for entry, (_, title, subtitle) in zip(build_entries(items), display_rows(items)):
            fields = " ".join([entry.fields, *entry.shared])   # (all its short fields)
            out.write(f"{title} | {subtitle} | {fields}".replace("\n", " ") + "\n")
    return lines_path


def measure_fzf(lines_path: Path, queries: list[str]) -> dict:
    fzf = shutil.which("fzf")
    if not fzf:
        return {"error": "fzf is not installed (apt-get install -y fzf); skipped"}
    times = []
    data = lines_path.read_bytes()
    for query in queries[:FZF_QUERIES]:   # fzf re-reads every record per keystroke: slow at 100k
        for text in prefixes(query):
            t = time.perf_counter()
            subprocess.run([fzf, "--filter", text], input=data, stdout=subprocess.DEVNULL)
            times.append((time.perf_counter() - t) * 1000)
    version = subprocess.run([fzf, "--version"], capture_output=True, text=True).stdout.split()[0]
    return {"p50": pct(times, 50), "p95": pct(times, 95), "version": version}


# --- report ----------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory[1].split()[1] if len(memory) > 1 else "?",
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average": os.getloadavg()}


def ok(value: float | None, target: float | None) -> str:
    if value is None or target is None or value != value:
        return ""
    return "ok" if value <= target else "MISSED"


def report(size: str, r: dict) -> None:
    big = size == "1m"
    rows = [
        ("search per keystroke, in process, p50 (ms)", r["in_process"]["p50"], TARGETS["search_p50"][big]),
        ("search per keystroke, in process, p95 (ms)", r["in_process"]["p95"], TARGETS["search_p95"][big]),
        ("search per keystroke, --stdin process, p50 (ms)", r["stdin"]["p50"], None),
        ("search per keystroke, --stdin process, p95 (ms)", r["stdin"]["p95"], TARGETS["search_p95"][big]),
        ("keystroke -> redrawn results in the app, p95 (ms)", r.get("app", {}).get("key_p95"),
         TARGETS["app_key_p95"][big]),
        ("`urbact-tui search QUERY` whole process, warm, p50 (ms)", r["cli"]["p50"], TARGETS["cli_search"][big]),
        ("`urbact-tui search QUERY` whole process, warm, max (ms)", r["cli"]["max"], TARGETS["cli_search"][big]),
        ("app start -> first screen (ms)", r.get("app", {}).get("first_screen_ms"), None),
        ("app start -> interactive, directory open (ms)", r.get("app", {}).get("interactive_ms"),
         TARGETS["app_start"][big]),
        ("  the same, until the probe noticed the app idle (ms)", r.get("app", {}).get("idle_noticed_ms"),
         None),
        ("load of the YAML -> ready database and index, first, median (ms)", r.get("load_ms"),
         TARGETS["load"][big]),
        ("load of the YAML again (reload over the database), median (ms)", r.get("reload_ms"),
         TARGETS["load"][big]),
        ("peak memory (RSS) of a search process (MB)", r["rss_mb"], TARGETS["rss_mb"][big]),
        ("fzf --filter per keystroke, whole process, p50 (ms)", r["fzf"].get("p50"), None),
        ("fzf --filter per keystroke, whole process, p95 (ms)", r["fzf"].get("p95"), None),
    ]
    print(f"\n== {size}: {r['records']:,} records ==")
    for label, value, target in rows:
        shown = "n/a" if value is None else f"{value:,.1f}"
        print(f"  {label:<58} {shown:>10}   target {'-' if target is None else target:<6} {ok(value, target)}")
    fzf = r["fzf"]
    if "error" in fzf:
        print(f"  fzf: {fzf['error']}")
    else:
        print(f"  ratio fzf --filter p50 / our --stdin p50: {fzf['p50'] / r['stdin']['p50']:.0f}x;"
              f"  fzf p50 / our whole-process search p50: {fzf['p50'] / r['cli']['p50']:.2f}x")
    if "error" in r.get("app", {}):
        print(f"  app: {r['app']['error']}")
    if "load_runs_ms" in r:
        print(f"  loads (ms): first {r['load_runs_ms']}, again {r['reload_runs_ms']}; "
              f"CPU of each first load (s, user + system): {r['load_cpu_s']}")
    print(f"  heavy imports of search/show/card: {r['imports']['heavy_imports_on_search_path']}")
    print("  top hits: " + "; ".join(f"{q!r} -> {t[0] if t else None}" for q, t in r["in_process"]["top"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: load,app,fzf,cli")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    bytecode_like_an_install()
    info = machine()
    print(f"machine: {info['cpus']} CPUs, {info['cpu']}, {info['memory']} RAM, Python {info['python']}, "
          f"{info['platform']}; load average at start {os.getloadavg()[0]:.1f}")
    results = {"machine": info, "sizes": {}}
    for size in args.sizes.split(","):
        yaml_path = generate.path_for(size)
        if not yaml_path.exists():
            print(f"generating {yaml_path} …", file=sys.stderr)
            generate.generate(generate.SIZES[size], yaml_path)
        db = generate.OUT / f"contacts-{size}.db"
        r: dict = {}
        if "load" not in skip or not db.exists():
            print(f"[{size}] load …", file=sys.stderr)
            firsts, agains, cpus = measure_load(yaml_path, db, LOAD_REPEATS.get(size, 1))
            r["load_cpu_s"] = [round(seconds, 2) for seconds in cpus]
            r["load_ms"], r["reload_ms"] = pct(firsts, 50) * 1000, pct(agains, 50) * 1000
            r["load_runs_ms"] = [round(t * 1000) for t in firsts]
            r["reload_runs_ms"] = [round(t * 1000) for t in agains]
        from urbact_tui.directory.store import Directory
        with contextlib.closing(Directory(db)) as directory:
            r["records"] = sum(directory.counts().values())
        queries = queries_for(db)
        r["queries"] = queries
        print(f"[{size}] in-process search …", file=sys.stderr)
        r["in_process"] = measure_in_process(db, queries)
        print(f"[{size}] --stdin search …", file=sys.stderr)
        r["stdin"] = measure_stdin(db, queries)
        r["rss_mb"] = measure_rss(db, queries)
        r["imports"] = measure_imports(db)
        if "cli" not in skip:
            print(f"[{size}] whole-process search …", file=sys.stderr)
            r["cli"] = measure_cli(db, queries)
        else:
            r["cli"] = {"p50": None, "max": None}
        if "app" not in skip:
            print(f"[{size}] app (pilot) …", file=sys.stderr)
            try:
                r["app"] = measure_app(db, queries)
            except subprocess.TimeoutExpired:
                r["app"] = {"error": "the app probe timed out"}
        r["fzf"] = {"error": "skipped"} if "fzf" in skip else measure_fzf(fzf_lines(yaml_path), queries)
        results["sizes"][size] = r
        report(size, r)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
