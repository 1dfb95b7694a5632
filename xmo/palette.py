"""The colours of every chart (Plotly figures built in Python), by meaning.

Pages, the monthly report and the dashboards take their colours from here, so a measure,
a target or a "worse" looks the same everywhere. The values match static/xmo/app.css.
"""

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

# Text and frame
INK = "#1d2433"
MUTED = "#5b6475"
GRID = "#e9ecf2"
GRID_LIGHT = "#eef1f6"  # the printed report's lighter grid
WHITE = "#ffffff"

# Series
BRAND = "#3b5bdb"  # happiness, the main series
LOST_TIME = "#7048e8"  # lost time, the second measure
LINE = "#4263eb"  # a single measured line (indicator history, a drop's trend)
BAND = "#91a7ff"  # a confidence band or a light bar behind the line
BAR = "#748ffc"  # plain bars
BENCHMARK = "#868e96"  # a benchmark or baseline, drawn dotted

# Judgements
GOOD = "#2b8a3e"  # met, better, a target line in the report
BAD = "#c92a2a"  # missed
WARNING = "#f08c00"  # half-way
TARGET = "#b35c00"  # a target or threshold line
TARGET_DASH = "#e67700"  # the "minimum" target, dashed
FORECAST = "#e8590c"  # a forecast line
WORSE = "#e03131"  # a driver that grew with the drop
BETTER = "#2f9e44"  # a driver that shrank

# Red (hurts) → near white → green (helps); centred on zero impact.
IMPACT_SCALE = [
    [0.0, "#b42318"],
    [0.35, "#f4a3a3"],
    [0.5, "#f8f9fa"],
    [0.65, "#a6dcb4"],
    [1.0, "#1b6e2f"],
]
