"""The dashboard's chart, as geometry: daily bars and a cumulative line over the same days, with round
tick values on both axes, so that one day and three hundred days both read at a glance. Pure: the
template draws what this computes (inline SVG, no script)."""
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 60, 20, 30  # the dates under the axis; the legend is HTML below
#: The phone's chart: drawn at about the width a phone shows it (a 390 px screen gives the dashboard's
#: figure some 280 px), so that its 13-unit text (static/style.css) reads as 11 px instead of the wide
#: chart's 6 px.
NARROW_WIDTH, NARROW_HEIGHT = 320, 240
NARROW_LEFT, NARROW_RIGHT = 42, 46
NARROW_DATE_LABELS = 2
NARROW_LABEL_EVERY_BAR_UP_TO = 7
MAX_BAR_WIDTH = 48
#: At most this many dates under the x axis, and no two closer than their width (YYYY-MM-DD at 13 units).
MAX_DATE_LABELS = 6
DATE_LABEL_WIDTH, DATE_LABEL_GAP = 84, 6
#: Up to this many days every bar carries its number; beyond it, only the highest day does.
LABEL_EVERY_BAR_UP_TO = 14


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round tick values 0, s, 2s, ... reaching at least `maximum`, with s 1, 2 or 5 times a power of
    ten and at most about `count` steps."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = magnitude
    for multiple in (1, 2, 5, 10):
        step = max(1, int(multiple * magnitude))
        if step * count >= maximum:
            break
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def fill_days(per_day: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Every day from the first to the last, days without any as 0."""
    counts: dict[date, int] = {}
    for day, n in per_day:
        counts[day] = counts.get(day, 0) + n
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range((last - first).days + 1)]


@dataclass
class Bar:
    day: date
    count: int
    total: int  # the cumulative count at the end of this day
    x: float
    y: float
    width: float
    height: float
    labelled: bool


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class DateLabel:
    day: date
    x: float
    anchor: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the right edge of the plot
    top: int
    bottom: int  # y of the x axis
    bars: list[Bar]
    line: str  # SVG points of the cumulative line
    daily_ticks: list[Tick]
    total_ticks: list[Tick]
    dates: list[DateLabel]
    total: int
    peak: int
    last_point: tuple[float, float]
    days: int = field(default=0)


def _extent(label: DateLabel) -> tuple[float, float]:
    if label.anchor == "start":
        return label.x, label.x + DATE_LABEL_WIDTH
    if label.anchor == "end":
        return label.x - DATE_LABEL_WIDTH, label.x
    return label.x - DATE_LABEL_WIDTH / 2, label.x + DATE_LABEL_WIDTH / 2


def _clash(before: DateLabel, after: DateLabel) -> bool:
    return _extent(after)[0] < _extent(before)[1] + DATE_LABEL_GAP


def apart(labels: list[DateLabel]) -> list[DateLabel]:
    """The date labels without any that would overlap the one before it; the first and the last date
    stay (the last one's neighbours make room for it)."""
    kept: list[DateLabel] = []
    for n, label in enumerate(labels):
        if n == len(labels) - 1:
            while len(kept) > 1 and _clash(kept[-1], label):
                kept.pop()
        if not kept or not _clash(kept[-1], label):
            kept.append(label)
    return kept


def daily_chart(per_day: Sequence[tuple[date, int]], narrow: bool = False) -> Chart | None:
    """The chart of confirmed signatures per day (bars, left axis) and in total (line, right axis);
    `narrow`: the phone's, with the first and last date and fewer bar numbers on a smaller drawing
    (the same text size)."""
    days = fill_days(per_day)
    if not days:
        return None
    if narrow:
        width, height, left, right = NARROW_WIDTH, NARROW_HEIGHT, NARROW_LEFT, NARROW_RIGHT
        max_dates, label_up_to = NARROW_DATE_LABELS, NARROW_LABEL_EVERY_BAR_UP_TO
    else:
        width, height, left, right = WIDTH, HEIGHT, LEFT, RIGHT
        max_dates, label_up_to = MAX_DATE_LABELS, LABEL_EVERY_BAR_UP_TO
    plot_width, plot_height = width - left - right, height - TOP - BOTTOM
    bottom = TOP + plot_height
    peak = max(n for _, n in days)
    daily = nice_ticks(peak)
    running, totals = 0, []
    for _, n in days:
        running += n
        totals.append(running)
    cumulative = nice_ticks(running)
    slot = plot_width / len(days)
    bar_width = max(1.0, min(slot * 0.8, MAX_BAR_WIDTH))

    def y_of(value: int, ticks: list[int]) -> float:
        return round(bottom - value / ticks[-1] * plot_height, 1)

    bars, points = [], []
    peak_index = max(range(len(days)), key=lambda i: days[i][1])
    for i, (day, n) in enumerate(days):
        centre = left + slot * i + slot / 2
        y = y_of(n, daily)
        bars.append(Bar(
            day=day, count=n, total=totals[i], x=round(centre - bar_width / 2, 1), y=y, width=round(bar_width, 1),
            height=round(bottom - y, 1), labelled=n > 0 and (len(days) <= label_up_to or i == peak_index),
        ))
        points.append((round(centre, 1), y_of(totals[i], cumulative)))
    # As many dates as fit side by side (the first starts at the axis' left end, the last ends at its
    # right end), each under the day nearest to an even spread; `apart` drops any that would still touch.
    fitting = max(2, min(max_dates, int((plot_width - DATE_LABEL_WIDTH) // (DATE_LABEL_WIDTH + DATE_LABEL_GAP)) + 1))
    if len(days) <= fitting:
        label_indexes = list(range(len(days)))
    else:
        first, last = left + DATE_LABEL_WIDTH / 2, left + plot_width - DATE_LABEL_WIDTH / 2
        centres = [first + k * (last - first) / (fitting - 1) for k in range(fitting)]
        label_indexes = sorted({0, len(days) - 1} | {min(len(days) - 1, max(0, round((c - left) / slot - 0.5))) for c in centres[1:-1]})
    dates = []
    for i in label_indexes:
        x = round(left + slot * i + slot / 2, 1)
        anchor = "middle"
        if len(days) > 1 and i == 0:
            anchor, x = "start", float(left)
        elif len(days) > 1 and i == len(days) - 1:
            anchor, x = "end", float(left + plot_width)
        dates.append(DateLabel(day=days[i][0], x=x, anchor=anchor))
    dates = apart(dates)
    return Chart(
        width=width, height=height, left=left, right=left + plot_width, top=TOP, bottom=bottom, bars=bars,
        line=" ".join(f"{x},{y}" for x, y in points),
        daily_ticks=[Tick(value, y_of(value, daily)) for value in daily],
        total_ticks=[Tick(value, y_of(value, cumulative)) for value in cumulative],
        dates=dates, total=running, peak=peak, last_point=points[-1], days=len(days),
    )
