"""Coverage as CSV (one row per agency and one for the city) and as an SVG chart.

The chart is plain SVG built as text (no plotting library): one horizontal bar per agency with
its restructured rate, the city total on top, Plan 86's 80% and 95% targets as vertical lines,
a title, an axis and a legend, labels in Vietnamese. Horizontal bars because agency names are
long; the tooltip (`<title>`) of each bar carries the counts.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from shared_data.coverage_models import CoverageReport, ScopeCoverage

CSV_COLUMNS = (
    "scope",
    "as_of",
    "procedures",
    "restructured",
    "rate",
    "restructured_fully",
    "strict_rate",
    "blocked_by_papers",
    "target_80_required",
    "target_80_gap",
    "target_80_met",
    "target_95_required",
    "target_95_gap",
    "target_95_met",
    "internal_confirmations",
    "internal_confirmations_eliminated",
    "paper_requirements",
    "paper_requirements_eliminated",
)


def coverage_csv(report: CoverageReport) -> str:
    """The city row first, then one row per agency (as in the report: by rate)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for scope in [report.city, *report.agencies]:
        writer.writerow(_csv_row(scope, report))
    return out.getvalue()


def _csv_row(scope: ScopeCoverage, report: CoverageReport) -> list[object]:
    targets = {t.percent: t for t in scope.targets}
    row: list[object] = [
        scope.scope,
        report.as_of.isoformat(),
        scope.procedures,
        scope.restructured,
        f"{scope.rate:.4f}",
        scope.restructured_fully,
        f"{scope.strict_rate:.4f}",
        scope.blocked_by_papers,
    ]
    for percent in (80, 95):
        target = targets[percent]
        row += [target.required, target.gap, str(target.met).lower()]
    row += [
        scope.internal_confirmations.total,
        scope.internal_confirmations.eliminated,
        scope.paper_requirements.total,
        scope.paper_requirements.eliminated,
    ]
    return row


# Layout (px).
_WIDTH, _LABEL_W, _PLOT_W, _BAR_H, _ROW_H, _TOP = 1000, 340, 520, 18, 26, 140
_FONT = "'Noto Sans', 'DejaVu Sans', 'Segoe UI', Arial, sans-serif"
_COLORS = {"city": "#1f4e79", "met": "#2e8b57", "below": "#5b9bd5"}
_TARGET_COLORS = {80: "#e67e22", 95: "#c0392b"}


def coverage_svg(report: CoverageReport) -> str:
    """A bar chart of restructured rates against Plan 86's targets."""
    scopes = [report.city, *report.agencies] if report.agency is None else report.agencies
    plot_h = len(scopes) * _ROW_H + (12 if report.agency is None else 0)
    height = _TOP + plot_h + 92
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="{_FONT}" font-size="13" '
        'role="img" aria-labelledby="chart-title">',
        f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
        *_header(report),
        *_axis(plot_h),
        *_targets(report, plot_h),
    ]
    y = _TOP
    for index, scope in enumerate(scopes):
        is_city = report.agency is None and index == 0
        parts += _bar(scope, y, is_city)
        y += _ROW_H + (12 if is_city else 0)
    parts += _legend(report, _TOP + plot_h + 48)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _x(rate: float) -> float:
    return _LABEL_W + rate * _PLOT_W


def _header(report: CoverageReport) -> list[str]:
    city = report.city
    where = f" — {report.agency}" if report.agency else ""
    subtitle = (
        f"Ngày {_date_vi(report)} · {_int_vi(city.restructured)}/{_int_vi(city.procedures)} "
        f"thủ tục toàn thành phố ({_percent(city.rate)})"
    )
    registries = report.integrated_registries
    connected = f"Cơ sở dữ liệu đã kết nối ({len(registries)}): " + (
        ", ".join(registries) or "chưa có"
    )
    return [
        f'<text id="chart-title" x="24" y="34" font-size="19" font-weight="bold">'
        f"{escape('Thủ tục hành chính được tái cấu trúc trên cơ sở dữ liệu' + where)}</text>",
        f'<text x="24" y="58" fill="#444">{escape(subtitle)}</text>',
        f'<text x="24" y="77" fill="#444">{escape(_target_summary(report))}</text>',
        f'<text x="24" y="96" fill="#444">{escape(connected)}</text>',
    ]


def _target_summary(report: CoverageReport) -> str:
    parts = []
    for target in report.city.targets:
        state = "đạt" if target.met else f"còn thiếu {_int_vi(target.gap)} thủ tục"
        overdue = ", đã quá hạn" if target.due_passed and not target.met else ""
        parts.append(f"{target.percent}% đến {_due_vi(target.due)}: {state}{overdue}")
    return "Mục tiêu KH 86/KH-UBND — " + " · ".join(parts)


def _axis(plot_h: int) -> list[str]:
    lines = []
    for tick in range(0, 101, 20):
        x = _x(tick / 100)
        lines.append(
            f'<line class="grid" x1="{x:.1f}" y1="{_TOP - 8}" x2="{x:.1f}" '
            f'y2="{_TOP + plot_h}" stroke="#e5e5e5"/>'
        )
        lines.append(
            f'<text x="{x:.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle" '
            f'fill="#555">{tick}%</text>'
        )
    return lines


def _bar(scope: ScopeCoverage, y: int, is_city: bool) -> list[str]:
    met = scope.targets[0].met
    color = _COLORS["city"] if is_city else _COLORS["met" if met else "below"]
    kind = "city" if is_city else "agency"
    label = "Toàn thành phố" if is_city else scope.scope
    weight = ' font-weight="bold"' if is_city else ""
    tooltip = (
        f"{label}: {_int_vi(scope.restructured)}/{_int_vi(scope.procedures)} thủ tục "
        f"({_percent(scope.rate)}); còn thiếu {_int_vi(scope.targets[0].gap)} để đạt 80%, "
        f"{_int_vi(scope.targets[1].gap)} để đạt 95%"
    )
    width = max(scope.rate * _PLOT_W, 0.5)
    text_y = y + _BAR_H - 4
    value = f"{_percent(scope.rate)} ({_int_vi(scope.restructured)}/{_int_vi(scope.procedures)})"
    return [
        f'<text x="{_LABEL_W - 10}" y="{text_y}" text-anchor="end"{weight}>{escape(label)}</text>',
        f'<rect class="bar {kind}" data-scope={quoteattr(scope.scope)} '
        f'data-rate="{scope.rate:.4f}" x="{_LABEL_W}" y="{y}" width="{width:.1f}" '
        f'height="{_BAR_H}" fill="{color}"><title>{escape(tooltip)}</title></rect>',
        f'<text x="{_x(scope.rate) + 6:.1f}" y="{text_y}" fill="#222"{weight} '
        'stroke="#ffffff" stroke-width="3" paint-order="stroke">'
        f"{escape(value)}</text>",
    ]


def _targets(report: CoverageReport, plot_h: int) -> list[str]:
    lines = []
    for target in report.city.targets:
        x, color = _x(target.percent / 100), _TARGET_COLORS.get(target.percent, "#888")
        lines.append(
            f'<line class="target" data-percent="{target.percent}" x1="{x:.1f}" '
            f'y1="{_TOP - 14}" x2="{x:.1f}" y2="{_TOP + plot_h}" stroke="{color}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        # The first target's label ends at its line, the next ones start at theirs: the lines
        # are close (80% and 95%) and their labels must not overlap.
        first = target is report.city.targets[0]
        anchor, dx = ("end", -4) if first else ("start", 4)
        lines.append(
            f'<text x="{x + dx:.1f}" y="{_TOP - 18}" text-anchor="{anchor}" fill="{color}" '
            f'font-weight="bold">{target.percent}% · {_due_vi(target.due)}</text>'
        )
    return lines


def _legend(report: CoverageReport, y: int) -> list[str]:
    items = [
        ("rect", _COLORS["city"], "Toàn thành phố"),
        ("rect", _COLORS["met"], "Cơ quan đã đạt 80%"),
        ("rect", _COLORS["below"], "Cơ quan chưa đạt 80%"),
    ]
    items += [
        ("line", _TARGET_COLORS.get(t.percent, "#888"), f"Mục tiêu {t.percent}% ({_due_vi(t.due)})")
        for t in report.city.targets
    ]
    parts, x = ['<g class="legend">'], 24
    for shape, color, text in items:
        if shape == "rect":
            parts.append(f'<rect x="{x}" y="{y - 11}" width="14" height="14" fill="{color}"/>')
        else:
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{color}" '
                'stroke-width="2" stroke-dasharray="6 4"/>'
            )
        parts.append(f'<text x="{x + 22}" y="{y}">{escape(text)}</text>')
        x += 36 + 7 * len(text)
    parts.append("</g>")
    note = (
        "Tái cấu trúc: mọi thành phần hồ sơ (trừ tờ khai, đơn) đều khai thác được từ cơ sở dữ "
        "liệu đã kết nối (kể cả thay thế một phần)."
    )
    parts.append(f'<text x="24" y="{y + 28}" font-size="12" fill="#666">{escape(note)}</text>')
    return parts


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%".replace(".", ",")


def _int_vi(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _due_vi(due: date) -> str:
    return f"{due.day}/{due.month}/{due.year}"


def _date_vi(report: CoverageReport) -> str:
    return report.as_of.strftime("%d/%m/%Y")
