"""Horizontal bar charts for the insight pages, drawn as static SVG by `templates/_chart.html`.

Why a template of our own rather than a charting library: a bar chart is a few rectangles and
labels, and here every part of it must be ours to say: `role="img"` named by its `<title>` and
`<desc>`, the words in the page's language, no script, and presentation attributes only (the
Content-Security-Policy allows no inline style). pygal would draw it but is not among the
kept dependencies, and it adds a tooltip script and its own styles by default.

Each chart sits above its data table, which has every figure (the chart shows at most
`MAX_BARS` groupings). A figure the fewer-than-5 rule hides has no bar, only its words.
Colours: Okabe and Ito's blue and vermilion, told apart with any colour vision, each at least
3:1 against white (WCAG's non-text contrast), and every bar also labelled with its figure.
"""
import dataclasses

from . import labels
from .i18n import N_

PALETTE = ("#0072B2", "#D55E00")
WIDTH = 400  # the drawing's own units; it scales to the page
BAR_SPACE = 300  # the longest bar, leaving room for its figure
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
GAP = 10
MAX_BARS = 12
MAX_LABEL = 60
FEWER_THAN_5 = "fewer than 5"  # the API's words for a figure the rule hides


@dataclasses.dataclass
class Bar:
    y: int
    width: int
    colour: str
    text: str


@dataclasses.dataclass
class Row:
    y: int
    label: str
    bars: list[Bar]


@dataclasses.dataclass
class Chart:
    id: str
    title: str
    desc: str
    height: int
    rows: list[Row]
    series: list[tuple[str, str]]  # (name, colour), for the legend when more than one


def bar_chart(chart_id, title, desc, rows, series, shown):
    """`rows` are (label, [figure per series]); a figure is a number or a word ("fewer than
    5"), drawn with `shown(figure)`. Only the first MAX_BARS rows are drawn."""
    rows = rows[:MAX_BARS]
    largest = max((figure for _label, figures in rows for figure in figures
                   if isinstance(figure, (int, float))), default=0) or 1
    drawn, y = [], 0
    for label, figures in rows:
        y += LABEL_HEIGHT
        row = Row(y - 5, label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…", [])
        for index, figure in enumerate(figures):
            number = figure if isinstance(figure, (int, float)) else 0
            row.bars.append(Bar(y, round(BAR_SPACE * number / largest), PALETTE[index],
                                shown(figure)))
            y += BAR_HEIGHT + 2
        drawn.append(row)
        y += GAP
    return Chart(chart_id, title, desc, max(y, LABEL_HEIGHT), drawn,
                 list(zip(series, PALETTE, strict=False)))


def shown(fmt, money=False):
    """How a chart says a figure: a number (or pence), or "fewer than 5" in the page's words."""
    def say(figure):
        if figure == FEWER_THAN_5:
            return fmt.gettext(N_("fewer than 5"))
        return fmt.money(figure) if money else fmt.number(figure)
    return say


def kind(fmt, category):
    """A kind of break in words; none asked is any kind."""
    return fmt.label(labels.CATEGORIES, category) if category else fmt.gettext(N_("Any kind"))
