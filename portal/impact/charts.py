"""Bar charts drawn on the server as accessible SVG: a title and a description for screen
readers, values written next to each bar, and the period before drawn hatched, not in another colour
only. The same figures are always given in a data table next to the chart."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# About a phone's width in CSS pixels, so that the text keeps its size when the chart fills the screen.
WIDTH = 360
LABEL_HEIGHT = 22
BAR_HEIGHT = 18
GAP = 12
LEFT = 4
VALUE_ROOM = 84
LEGEND_LINE = 22
LONGEST_LABEL = 42  # characters; the full label is in the data table and the description


@dataclass(frozen=True)
class Bar:
    value: float  # 0 when hidden
    text: str  # what is written at the end of the bar ("12", "< 5", "45,2 %")
    hidden: bool = False


@dataclass(frozen=True)
class Series:
    label: str
    bars: list[Bar]
    hatched: bool


def bar_chart(chart_id: str, title: str, description: str, categories: list[str], series: list[Series]) -> Markup:
    legend_height = LEGEND_LINE * len(series) + 6
    group = LABEL_HEIGHT + len(series) * (BAR_HEIGHT + 4) + GAP
    height = legend_height + max(1, len(categories)) * group
    largest = max([bar.value for s in series for bar in s.bars if not bar.hidden] + [0]) or 1
    room = WIDTH - LEFT - VALUE_ROOM
    title_id, desc_id = f"{chart_id}-titre", f"{chart_id}-description"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" class="chart" id="{chart_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        f'<defs><pattern id="{chart_id}-hachures" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#1f4e79" stroke-width="3"/></pattern></defs>',
    ]
    for line, s in enumerate(series):
        top = 4 + line * LEGEND_LINE
        parts.append(_swatch(LEFT, top, chart_id, s.hatched))
        parts.append(f'<text x="{LEFT + 22}" y="{top + 13}" class="chart-legend">{escape(s.label)}</text>')
    y = legend_height
    for index, category in enumerate(categories):
        shown = category if len(category) <= LONGEST_LABEL else category[:LONGEST_LABEL - 1] + "…"
        parts.append(f'<text x="{LEFT}" y="{y + 16}" class="chart-label">{escape(shown)}</text>')
        y += LABEL_HEIGHT
        for s in series:
            bar = s.bars[index]
            length = 0 if bar.hidden else max(room * bar.value / largest, 1 if bar.value else 0)
            fill = f"url(#{chart_id}-hachures)" if s.hatched else "#1f4e79"
            if length:
                parts.append(f'<rect x="{LEFT}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{fill}" '
                             f'stroke="#1f4e79" stroke-width="1"/>')
            parts.append(f'<text x="{LEFT + length + 6:.1f}" y="{y + 14}" class="chart-value">{escape(bar.text)}</text>')
            y += BAR_HEIGHT + 4
        y += GAP
    parts.append("</svg>")
    return Markup("".join(parts))


def _swatch(x: int, y: int, chart_id: str, hatched: bool) -> str:
    fill = f"url(#{chart_id}-hachures)" if hatched else "#1f4e79"
    return f'<rect x="{x}" y="{y}" width="16" height="16" fill="{fill}" stroke="#1f4e79" stroke-width="1"/>'
