"""The demo's summary (JSON), its table in the terminal and its HTML report with inline SVG charts.

Pure functions of what the demo measured and read back from the services: :func:`build_summary` makes
the JSON document (``SUMMARY=path.json``), :func:`render_html` a self-contained page (no script, no
external URL), :func:`summary_table` the ``rich`` table printed at the end.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.table import Table

STAGE_KEYS = (
    "submitted",
    "verified",
    "scored",
    "qualified",
    "admitted",
    "publicity_cleared",
    "publicity_disqualified",
    "letters_issued",
    "graduates_declared",
    "graduates_approved",
    "receiving_letters",
    "hukou_letters",
)
COLORS = ("#2f6db5", "#d9822b", "#3a9b5c", "#b53a3a", "#7a5cb5", "#6b7280")


def build_summary(
    *,
    applicants: int,
    graduates: int,
    stages: Mapping[str, int],
    cutoff: Any,
    quota: int,
    seconds_per_stage: Mapping[str, float],
    seconds_total: float,
    invariants: Mapping[str, Any] | None,
    final_states: Mapping[str, int],
    graduate_final_states: Mapping[str, int],
    scores: Sequence[float],
    quota_use: Sequence[Mapping[str, Any]],
    faults: Mapping[str, Mapping[str, int]],
    errors_survived: Mapping[str, int],
    links: Mapping[str, str],
    identity: str,
    stage_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON summary. ``stages`` must hold every key of :data:`STAGE_KEYS` (counts read from the
    services); ``invariants`` is ``InvariantReport.as_dict()`` (None: the check could not run)."""
    missing = [k for k in STAGE_KEYS if k not in stages]
    if missing:
        raise ValueError(f"stage counts missing: {', '.join(missing)}")
    held = bool(invariants and invariants.get("held"))
    return {
        "applicants": applicants,
        "graduates": graduates,
        "stages": {k: int(stages[k]) for k in STAGE_KEYS},
        "cutoff": None if cutoff is None else float(cutoff),
        "quota": quota,
        "seconds_per_stage": {k: round(float(v), 1) for k, v in seconds_per_stage.items()},
        "seconds_total": round(seconds_total, 1),
        "invariants_held": held,
        "invariants": dict(invariants) if invariants else None,
        "final_states": dict(final_states),
        "graduate_final_states": dict(graduate_final_states),
        "score_histogram": histogram(scores, cutoff=None if cutoff is None else float(cutoff)),
        "quota_use": [dict(u) for u in quota_use],
        "faults_survived": {k: dict(v) for k, v in faults.items()},
        "errors_survived": dict(errors_survived),
        "links": dict(links),
        "identity": identity,
        "stage_labels": dict(stage_labels or {}),
    }


def histogram(scores: Sequence[float], *, cutoff: float | None, bins: int = 24) -> dict[str, Any]:
    """Equal-width bins over the scores; ``admitted`` counts the scores at or above the cut-off per bin."""
    if not scores:
        return {"edges": [], "counts": [], "admitted": []}
    lo, hi = math.floor(min(scores)), math.ceil(max(scores))
    if hi <= lo:
        hi = lo + 1
    width = (hi - lo) / bins
    counts, admitted = [0] * bins, [0] * bins
    for s in scores:
        i = min(bins - 1, int((s - lo) / width))
        counts[i] += 1
        if cutoff is not None and s >= cutoff:
            admitted[i] += 1
    edges = [round(lo + i * width, 2) for i in range(bins + 1)]
    return {"edges": edges, "counts": counts, "admitted": admitted}


# ---- SVG ------------------------------------------------------------------------------------------


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def svg_histogram(
    hist: Mapping[str, Any], cutoff: float | None, *, width: int = 760, height: int = 300
) -> str:
    edges, counts, admitted = hist["edges"], hist["counts"], hist["admitted"]
    if not counts:
        return "<p>No scores.</p>"
    left, bottom, top, right = 48, 36, 16, 16
    pw, ph = width - left - right, height - top - bottom
    peak = max(counts) or 1
    bw = pw / len(counts)
    lo, hi = edges[0], edges[-1]
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    parts.append(f"<title>Score distribution ({sum(counts)} scored)</title>")
    for k in range(5):
        v = peak * k / 4
        y = top + ph - ph * k / 4
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{v:.0f}</text>')
    for i, c in enumerate(counts):
        h = ph * c / peak
        x = left + i * bw
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + ph - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="{COLORS[0]}">'
            f"<title>{edges[i]}–{edges[i + 1]}: {c}</title></rect>"
        )
        a = admitted[i]
        if a:
            ha = ph * a / peak
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{top + ph - ha:.1f}" width="{bw - 2:.1f}" height="{ha:.1f}" fill="{COLORS[2]}"/>'
            )
    for i in range(0, len(edges), max(1, len(edges) // 8)):
        x = left + i * bw
        parts.append(
            f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle" font-size="11">{edges[i]:g}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle" font-size="12">total points</text>'
    )
    if cutoff is not None and hi > lo:
        x = left + pw * (cutoff - lo) / (hi - lo)
        parts.append(
            f'<line class="cutoff" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#b53a3a" '
            'stroke-width="2" stroke-dasharray="6 3"/>'
        )
        parts.append(
            f'<text x="{x - 4:.1f}" y="{top + 12}" text-anchor="end" font-size="12" fill="#b53a3a">cut-off {cutoff:g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(
    items: Sequence[tuple[str, float]], *, unit: str = "", width: int = 760, color: str = COLORS[0]
) -> str:
    """Horizontal bars, one per item, labelled with the value."""
    if not items:
        return "<p>Nothing to show.</p>"
    row, label_w, right = 26, 300, 70
    height = row * len(items) + 10
    peak = max(v for _, v in items) or 1
    pw = width - label_w - right
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    for i, (label, v) in enumerate(items):
        y = 5 + i * row
        w = pw * v / peak
        shown = f"{v:.1f}{unit}" if isinstance(v, float) and not float(v).is_integer() else f"{v:g}{unit}"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="12">{_e(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{color}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="12">{_e(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_quota(units: Sequence[Mapping[str, Any]], *, width: int = 760) -> str:
    """Per supervising unit: the allocation (outline) and the counted uses (fill), direct ones beside."""
    if not units:
        return "<p>No units.</p>"
    row, label_w, right = 30, 200, 250
    height = row * len(units) + 30
    peak = (
        max(max(int(u.get("allocated", 0)), int(u.get("used", 0)) + int(u.get("direct", 0))) for u in units)
        or 1
    )
    pw = width - label_w - right
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    for i, u in enumerate(units):
        y = 5 + i * row
        alloc, used, direct = int(u.get("allocated", 0)), int(u.get("used", 0)), int(u.get("direct", 0))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="12">{_e(u.get("name", ""))}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{pw * used / peak:.1f}" height="{row - 10}" fill="{COLORS[0]}"/>'
        )
        parts.append(
            f'<rect x="{label_w + pw * used / peak:.1f}" y="{y + 4}" width="{pw * direct / peak:.1f}" height="{row - 10}" fill="{COLORS[4]}"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{pw * alloc / peak:.1f}" height="{row - 6}" fill="none" stroke="#111" stroke-width="1.5"/>'
        )
        refused = int(u.get("refused", 0))
        note = (
            f"{used}/{alloc} used"
            + (f", {direct} direct" if direct else "")
            + (f", {refused} refused" if refused else "")
        )
        parts.append(f'<text x="{label_w + pw + 8:.1f}" y="{y + 18}" font-size="12">{_e(note)}</text>')
    y = 10 + len(units) * row
    parts.append(f'<rect x="{label_w}" y="{y}" width="12" height="10" fill="{COLORS[0]}"/>')
    parts.append(f'<text x="{label_w + 16}" y="{y + 9}" font-size="11">counted against the quota</text>')
    parts.append(f'<rect x="{label_w + 190}" y="{y}" width="12" height="10" fill="{COLORS[4]}"/>')
    parts.append(f'<text x="{label_w + 206}" y="{y + 9}" font-size="11">direct (第十六条)</text>')
    parts.append(f'<rect x="{label_w + 330}" y="{y}" width="12" height="10" fill="none" stroke="#111"/>')
    parts.append(f'<text x="{label_w + 346}" y="{y + 9}" font-size="11">allocated</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---- HTML -----------------------------------------------------------------------------------------

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",system-ui,sans-serif;margin:24px auto;max-width:860px;color:#111}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.n{text-align:right}.ok{color:#1f7a3a;font-weight:600}.bad{color:#b53a3a;font-weight:600}
.chart{max-width:100%;height:auto;display:block}code{font-size:12px;word-break:break-all}.muted{color:#666;font-size:12px}
"""


def _table(rows: Sequence[Sequence[Any]], head: Sequence[str]) -> str:
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr>"]
    for r in rows:
        out.append("<tr>")
        for v in r:
            cls = ' class="n"' if isinstance(v, int | float) else ""
            out.append(f"<td{cls}>{_e(v)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


STAGE_LABELS = {
    "submitted": "submitted (intake)",
    "verified": "verified (review)",
    "scored": "scored (scoring)",
    "qualified": "qualified (ranking)",
    "admitted": "admitted (ranking)",
    "publicity_cleared": "cleared at publicity",
    "publicity_disqualified": "disqualified at publicity",
    "letters_issued": "letters issued (settlement)",
    "graduates_declared": "graduates declared",
    "graduates_approved": "graduates approved",
    "receiving_letters": "接收函 issued",
    "hukou_letters": "报户口介绍信 issued",
}


def render_html(summary: Mapping[str, Any], *, generated_at: datetime) -> str:
    s = summary
    st = s["stages"]
    cutoff = s.get("cutoff")
    inv = s.get("invariants") or {}
    inv_rows = [
        (c["name"], "held" if c["held"] else "FAILED", c.get("detail", "")) for c in inv.get("checks", [])
    ]
    verdict = (
        '<span class="ok">all invariants held</span>'
        if s["invariants_held"]
        else '<span class="bad">invariants FAILED or not checked</span>'
    )
    faults = s.get("faults_survived", {})
    fault_items = [
        (f"{dept} {kind}", float(n))
        for dept, kinds in faults.items()
        for kind, n in kinds.items()
        if kind != "calls" and n
    ]
    points_stages = [(STAGE_LABELS[k], float(st[k])) for k in STAGE_KEYS[:8]]
    grad_stages = [(STAGE_LABELS[k], float(st[k])) for k in STAGE_KEYS[8:]]
    finals = sorted(s.get("final_states", {}).items(), key=lambda kv: -kv[1])
    gfinals = sorted(s.get("graduate_final_states", {}).items(), key=lambda kv: -kv[1])
    labels = s.get("stage_labels") or {}
    times = [(labels.get(k, k), float(v)) for k, v in s.get("seconds_per_stage", {}).items()]
    links = s.get("links", {})
    link_rows = "".join(
        f'<tr><td>{_e(k)}</td><td><a href="{_e(v)}"><code>{_e(v)}</code></a></td></tr>'
        for k, v in links.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>make demo — report</title><style>{CSS}</style></head>
<body>
<h1>make demo — one annual round of both programmes</h1>
<p>{s["applicants"]} points applicants, {s["graduates"]} graduates · quota {s.get("quota")} · cut-off
{_e(cutoff)} · {s["seconds_total"]:.0f} s in all · applicants logged in {_e(s.get("identity", ""))} · {verdict}</p>
<p class="muted">Generated {generated_at:%Y-%m-%d %H:%M:%S %Z}. Every count below was read back from the services' APIs.</p>
<h2>Score distribution with the cut-off line</h2>
{svg_histogram(s["score_histogram"], cutoff)}
<p class="muted">Green: at or above the cut-off (admitted, ties included). Scores of qualified applicants.</p>
<h2>Applications per stage</h2>
{svg_bars(points_stages)}
{svg_bars(grad_stages, color=COLORS[4])}
<h2>Applications per final state</h2>
{svg_bars([(k, float(v)) for k, v in finals], color=COLORS[2])}
<p class="muted">Graduate cases: {_e(", ".join(f"{k} {v}" for k, v in gfinals))}</p>
<h2>Time per stage</h2>
{svg_bars(times, unit=" s", color=COLORS[1])}
<h2>Graduate quota use per supervising unit</h2>
{svg_quota(s.get("quota_use", []))}
<h2>Department faults survived</h2>
{svg_bars(fault_items, color=COLORS[3]) if fault_items else "<p>No faults were injected.</p>"}
{_table([(d, k.get("calls", 0), k.get("failure", 0), k.get("rate_limited", 0), k.get("down", 0)) for d, k in faults.items()], ["registry", "calls", "5xx", "429", "down (503)"])}
<p class="muted">Errors the demo's own clients retried: {_e(", ".join(f"{k} {v}" for k, v in s.get("errors_survived", {}).items() if v) or "none")}</p>
<h2>Invariants</h2>
{_table(inv_rows, ["invariant", "result", "detail"]) if inv_rows else "<p class='bad'>The invariant check did not run.</p>"}
<h2>Summary</h2>
{_table([(STAGE_LABELS[k], st[k]) for k in STAGE_KEYS], ["stage", "count"])}
<h2>Links (while the stack runs)</h2>
<table>{link_rows}</table>
</body></html>
"""


def summary_table(summary: Mapping[str, Any]) -> Table:
    t = Table(title="make demo — summary", show_lines=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_column("time", justify="right")
    st, secs = summary["stages"], summary["seconds_per_stage"]
    for k in STAGE_KEYS:
        t.add_row(STAGE_LABELS[k], str(st[k]), "")
    t.add_row("cut-off", str(summary["cutoff"]), "")
    labels = summary.get("stage_labels") or {}
    for k, v in secs.items():
        t.add_row(f"time: {labels.get(k, k)}", "", f"{v:.1f}s")
    t.add_row("total", "", f"{summary['seconds_total']:.1f}s")
    t.add_row("invariants held", "yes" if summary["invariants_held"] else "NO", "")
    return t


def invariant_table(invariants: Mapping[str, Any] | None) -> Table:
    t = Table(title="invariants")
    t.add_column("invariant")
    t.add_column("result")
    t.add_column("detail", max_width=70)
    for c in (invariants or {}).get("checks", []):
        t.add_row(
            str(c["name"]), "[green]held[/]" if c["held"] else "[red]FAILED[/]", str(c.get("detail", ""))
        )
    if not invariants:
        t.add_row("(not checked)", "[red]no[/]", "demo.invariants unavailable or failed")
    return t
