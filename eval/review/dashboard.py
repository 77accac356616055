"""Dashboard figures and the geometry of their charts (drawn as inline SVG by the template).

Figures, over the conversations active in the chosen period:

* conversations per day (by the day they started, in ``REVIEW_TIMEZONE``);
* containment: the share of conversations in which nobody asked for a person;
* fallback rate: the share of resident messages the assistant did not understand;
* top intents of resident messages; requests filed by type (``service_code``);
* language split (the conversation's ``language`` slot).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from eval.review.tracker.inbox import ConversationSummary
from eval.review.tracker.store import MessageStats

__all__ = ["BarChart", "Dashboard", "LineChart", "build_dashboard"]


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and box in the chart's coordinates."""

    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Bars with labels; ``horizontal`` charts list categories, vertical ones days."""

    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    horizontal: bool


@dataclass(frozen=True)
class Series:
    """One line of a line chart."""

    name: str
    css: str
    points: list[tuple[float, float, str]]  # x, y, tooltip

    @property
    def path(self) -> str:
        """The SVG polyline points."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass(frozen=True)
class LineChart:
    """Percentages per day, one line per series."""

    title: str
    description: str
    series: list[Series]
    x_labels: list[tuple[float, str]]
    width: int
    height: int
    top: float
    bottom: float


@dataclass
class Dashboard:
    """Everything the dashboard page shows."""

    start: date
    end: date
    conversations: int
    containment: float | None
    fallback_rate: float | None
    messages: int
    requests: int
    charts: list[BarChart] = field(default_factory=list)
    lines: list[LineChart] = field(default_factory=list)


def _vertical(title: str, description: str, items: list[tuple[str, float]]) -> BarChart:
    width, height, top, bottom, left = 720, 220, 16, 40, 8
    step = (width - left * 2) / max(1, len(items))
    peak = max((v for _, v in items), default=0) or 1
    bars = []
    for i, (label, value) in enumerate(items):
        h = (height - top - bottom) * value / peak
        bars.append(
            Bar(label, value, f"{value:g}", left + i * step + step * 0.1, height - bottom - h,
                step * 0.8, h)
        )
    return BarChart(title, description, bars, width, height, horizontal=False)


def _horizontal(
    title: str, description: str, items: list[tuple[str, float]], percent: bool = False
) -> BarChart:
    row, label_width, width = 26, 170, 480
    peak = max((v for _, v in items), default=0) or 1
    bars = [
        Bar(
            label, value, f"{value:.0%}" if percent else f"{value:g}",
            label_width, 8 + i * row, (width - label_width - 70) * value / peak, row - 6,
        )
        for i, (label, value) in enumerate(items)
    ]
    return BarChart(title, description, bars, width, 16 + row * max(1, len(items)), True)


def _line(
    title: str,
    description: str,
    days: list[date],
    series: dict[str, tuple[str, list[float | None]]],
) -> LineChart:
    width, height, top, bottom, left, right = 720, 200, 12, 36, 44, 12
    step = (width - left - right) / max(1, len(days) - 1)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value)

    lines = []
    for name, (css, values) in series.items():
        points = [
            (left + i * step, y(v), f"{days[i].isoformat()}: {name} {v:.0%}")
            for i, v in enumerate(values)
            if v is not None
        ]
        lines.append(Series(name, css, points))
    every = max(1, len(days) // 8)
    x_labels = [
        (left + i * step, d.strftime("%b %d")) for i, d in enumerate(days) if i % every == 0
    ]
    return LineChart(title, description, lines, x_labels, width, height, y(1.0), y(0.0))


def build_dashboard(
    summaries: list[ConversationSummary],
    stats: MessageStats,
    start: date,
    end: date,
    timezone: str,
) -> Dashboard:
    """The dashboard for conversations active from ``start`` to ``end`` (inclusive)."""
    zone = ZoneInfo(timezone)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    per_day: Counter[date] = Counter()
    handoff_per_day: Counter[date] = Counter()
    fallback_per_day: Counter[date] = Counter()
    for s in summaries:
        day = datetime.fromtimestamp(s.started, zone).date()
        day = min(max(day, start), end)
        per_day[day] += 1
        handoff_per_day[day] += s.handoff
        fallback_per_day[day] += s.fallback
    total = len(summaries)
    handoffs = sum(s.handoff for s in summaries)
    languages = Counter(s.language or "unknown" for s in summaries)
    requests = sum(stats.requests_by_type.values())
    dashboard = Dashboard(
        start=start,
        end=end,
        conversations=total,
        containment=(total - handoffs) / total if total else None,
        fallback_rate=stats.fallbacks / stats.messages if stats.messages else None,
        messages=stats.messages,
        requests=requests,
    )
    dashboard.charts.append(
        _vertical(
            "Conversations per day",
            f"{total} conversations from {start} to {end}, by the day they started.",
            [(d.strftime("%b %d"), float(per_day[d])) for d in days],
        )
    )
    dashboard.lines.append(
        _line(
            "Containment and fallbacks per day",
            "Share of each day's conversations without a handoff (contained) and with at "
            "least one fallback.",
            days,
            {
                "contained": (
                    "series-a",
                    [1 - handoff_per_day[d] / per_day[d] if per_day[d] else None for d in days],
                ),
                "with a fallback": (
                    "series-b",
                    [fallback_per_day[d] / per_day[d] if per_day[d] else None for d in days],
                ),
            },
        )
    )
    dashboard.charts.append(
        _horizontal(
            "Top intents",
            f"The most frequent intents of {stats.messages} resident messages.",
            [(name, float(n)) for name, n in stats.intents.most_common(12)],
        )
    )
    dashboard.charts.append(
        _horizontal(
            "Requests filed by type",
            f"{requests} requests filed or queued, by service code.",
            [(name, float(n)) for name, n in stats.requests_by_type.most_common()],
        )
    )
    dashboard.charts.append(
        _horizontal(
            "Language split",
            "Share of conversations by language.",
            [(name, n / total) for name, n in languages.most_common()] if total else [],
            percent=True,
        )
    )
    return dashboard
