"""Chart geometry for the dashboard: pure functions, drawn as SVG by the templates."""

from django.utils import timezone

from .deadlines import DayCounts


def bar_chart(values: list[tuple[str, int]], *, width: int = 360, bar_height: int = 22) -> dict:
    """Return the geometry of a horizontal bar chart (pure; drawn as SVG by the template)."""
    peak = max((v for _, v in values), default=0) or 1
    label_width = 150
    bars = []
    for i, (label, value) in enumerate(values):
        length = round((width - label_width - 40) * value / peak)
        bars.append(
            {
                "label": label,
                "value": value,
                "y": i * (bar_height + 6),
                "text_y": i * (bar_height + 6) + 15,
                "x": label_width,
                "width": max(length, 1 if value else 0),
                "height": bar_height,
                "text_x": label_width + max(length, 0) + 6,
            }
        )
    return {"bars": bars, "width": width, "height": len(values) * (bar_height + 6)}


COLUMN_COLOURS = {"met": "#198754", "waived": "#6c757d", "open": "#b02a37"}


def stacked_columns(days: list[DayCounts], *, width: int = 420, height: int = 160) -> dict:
    """Return the geometry of stacked daily columns: open, met and waived obligations."""
    peak = max((d.open + d.met + d.waived for d in days), default=0) or 1
    step = width / max(len(days), 1)
    columns = []
    for i, day in enumerate(days):
        x = round(i * step + 2, 1)
        w = round(step - 4, 1)
        y = height
        parts = []
        for name, value in (("met", day.met), ("waived", day.waived), ("open", day.open)):
            h = round((height - 20) * value / peak, 1)
            y -= h
            parts.append(
                {
                    "name": name,
                    "value": value,
                    "y": round(y, 1),
                    "height": h,
                    "fill": COLUMN_COLOURS[name],
                }
            )
        local = timezone.localtime(day.day)
        columns.append(
            {
                "x": x,
                "width": w,
                "parts": parts,
                "day": day.day,
                "label": f"{local:%b} {local.day}",
                "edge": i in (0, len(days) - 1),
            }
        )
    return {"columns": columns, "width": width, "height": height + 18, "label_y": height + 14}
