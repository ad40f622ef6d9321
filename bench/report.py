"""The bench's table, its targets (issue 8) and the docs/PERFORMANCE.md section it writes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench:begin (written by bench/run.py; edit outside the markers) -->"
END = "<!-- bench:end -->"
# RSS slope over the soak below which memory counts as flat (MB per minute).
FLAT_MB_PER_MIN = 1.0


def line(s: Any) -> str:
    if s.unavailable:
        return f"{s.name:7} not available: {s.unavailable}"
    runs = " ".join(f"{r.rps:.0f}" for r in s.runs)
    return (
        f"{s.name:7} {s.rps:9.0f} req/s  p50 {s.p50_ms:7.2f} ms  p99 {s.p99_ms:7.2f} ms  "
        f"{s.cpu_us:6.0f} us CPU/req  errors {s.errors}  runs [{runs}]"
    )


def memory_line(m: dict[str, float]) -> str:
    return (
        f"MEM     fill {m['fill_requests']:.0f} lookups in {m['fill_s']:.0f} s; RSS "
        f"{m['rss_before_mb']:.0f} -> {m['rss_full_mb']:.0f} MB; soak {m['soak_s']:.0f} s "
        f"({m['soak_requests']:.0f} lookups) slope {m['slope_mb_min']:+.2f} MB/min "
        f"(second half {m.get('late_slope_mb_min', 0.0):+.2f})"
    )


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def targets(r: dict[str, Any], m: dict[str, float]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows."""
    rows: list[tuple[str, str, str]] = []

    def have(*keys: str) -> bool:
        return all(k in r and r[k].runs for k in keys)

    if have("B0", "B1"):
        ratio = r["B1"].rps / r["B0"].rps
        rows.append(("B1 >= 0.5 x B0 req/s (64 conn.)", f"{ratio:.2f} x", verdict(ratio >= 0.5)))
    if have("B2@1", "B2d@1"):
        extra = r["B2@1"].p50_ms - r["B2d@1"].p50_ms
        rows.append(
            ("B2 median <= B2d median + 1 ms (1 conn.)", f"+{extra:.2f} ms", verdict(extra <= 1))
        )
    if have("B0", "B2@64"):
        ratio = r["B2@64"].rps / r["B0"].rps
        rows.append(("B2 >= 0.3 x B0 req/s (64 conn.)", f"{ratio:.2f} x", verdict(ratio >= 0.3)))
    if have("B3"):
        p50 = r["B3"].p50_ms
        rows.append(("B3 median <= 1.3 x 50 ms = 65 ms", f"{p50:.1f} ms", verdict(p50 <= 65)))
    elif "B3" in r:
        rows.append(("B3 median <= 65 ms", f"not available: {r['B3'].unavailable}", "n/a"))
    if have("B4"):
        p50 = r["B4"].p50_ms
        rows.append(("B4 <= 100 ms", f"{p50:.1f} ms median", verdict(p50 <= 100)))
    if m:
        slope = m["slope_mb_min"]
        rows.append(
            (
                f"RSS flat over the soak (|slope| <= {FLAT_MB_PER_MIN:g} MB/min)",
                f"{slope:+.2f} MB/min",
                verdict(abs(slope) <= FLAT_MB_PER_MIN),
            )
        )
    return rows


def render(
    r: dict[str, Any], m: dict[str, float], info: dict[str, str], args: argparse.Namespace
) -> str:
    out = [BEGIN, "", f"### Last run: {info['date']}", ""]
    out.append(
        f"`{info['command']}` — {args.runs} × {args.duration:g} s per scenario after a "
        f"{args.warmup:g} s warm-up; medians of the runs; wrk, one thread. Database: "
        f"{info['database']}; adapters' HTTP transport: {info['transport']}."
    )
    out += ["", "| scenario | conn. | req/s | p50 ms | p99 ms | server CPU µs/req | errors |"]
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    b0 = r.get("B0")
    for key, s in r.items():
        if s.unavailable:
            out.append(
                f"| {key} {s.what} | {s.connections} | not available: {s.unavailable} | | | | |"
            )
            continue
        ratio = (
            f" ({s.rps / b0.rps:.2f} × B0)"
            if b0 and b0.runs and key != "B0" and s.connections == 64
            else ""
        )
        note = f" — {s.note}" if s.note else ""
        out.append(
            f"| {key} {s.what}{note} | {s.connections} | {s.rps:,.0f}{ratio} | {s.p50_ms:.2f} | "
            f"{s.p99_ms:.2f} | {s.cpu_us:,.0f} | {s.errors} |"
        )
    if m:
        per_entry = (
            (m["rss_full_mb"] - m["rss_before_mb"]) * 2**20 / max(m["subjects"] - m["warm"], 1)
        )
        reached = m["subjects"] >= m["subjects_target"]
        extrapolated = (
            ""
            if reached
            else f" The fill reached {m['subjects']:,.0f} of {m['subjects_target']:,.0f} "
            f"subjects within its time cap ({m['subjects'] / max(m['fill_s'], 1):,.0f} lookups/s):"
            " the soak then ran with the cache still filling."
        )
        extrapolated += (
            f" At {per_entry:,.0f} bytes per entry, 100,000 cached subjects take ≈ "
            f"{per_entry * 100_000 / 2**20:,.0f} MB above the warm process "
            f"(`SHARED_DATA_CACHE_MAXSIZE` × {per_entry / 1024:.1f} KiB)."
        )
        out += [
            "",
            f"Memory (own instance): {m['subjects']:,.0f} distinct subjects looked up and cached"
            f" (CCCD, not_found answers cached; {m['warm']:,.0f} of them as warm-up), the fill "
            f"taking {m['fill_s']:.0f} s with {m['fill_errors']:.0f} errors; cache bound "
            f"`SHARED_DATA_CACHE_MAXSIZE={m['cache_maxsize']:,.0f}`. RSS "
            f"{m['rss_before_mb']:.0f} MB before, {m['rss_full_mb']:.0f} MB after "
            f"(≈ {per_entry:,.0f} bytes per cached subject), "
            f"{m['rss_end_mb']:.0f} MB after a {m['soak_s']:.0f} s soak of "
            f"{m['soak_requests']:,.0f} more distinct lookups ({m['soak_errors']:.0f} errors): "
            f"slope {m['slope_mb_min']:+.2f} MB/min (least squares over 1 s samples; "
            f"{m.get('late_slope_mb_min', 0.0):+.2f} MB/min over its second half)." + extrapolated,
        ]
    out += ["", "| target | measured | verdict |", "| --- | --- | --- |"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in targets(r, m)]
    out += [
        "",
        f"Machine: nproc {info['nproc']} ({info['cores']}); load average at start "
        f"{info['load_start']}, at end {info['load_end']}; {info['elapsed_s']} s in all. "
        f"Python {info['v_python']}, uvicorn {info['v_uvicorn']}, FastAPI {info['v_fastapi']}, "
        f"Starlette {info['v_starlette']}, pydantic {info['v_pydantic']}, httpx {info['v_httpx']}, "
        f"SQLAlchemy {info['v_sqlalchemy']}, wrk {info['v_wrk']}. B1's answer: "
        f"{info.get('response_bytes', '?')} bytes (the baseline returns as many).",
        "",
        f"Reproduce: `{info['command']}`",
        "",
        END,
    ]
    return "\n".join(out)


def write(path: Path, section: str) -> None:
    """Replace the marked section of `path` (append it when the markers are missing)."""
    text = path.read_text("utf-8") if path.exists() else "# Performance\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, "utf-8")
