"""Charts as SVG, rendered on the server from Vega-Lite specifications by vl-convert-python.

vl-convert embeds the Vega/Vega-Lite JavaScript in a Rust binary (Deno), so no browser and no
network is needed; the same SVG works without JavaScript, in the PDF and at 390 px (the
figure scales to the column width; fonts are sized for that). Colours are the Okabe-Ito
palette (safe for the common colour-vision deficiencies) and every series has its own point
shape as well, so no meaning depends on colour. Each SVG gets a <title> and <desc>.

Rendering costs tens of milliseconds, so charts are kept in a per-process cache keyed by what
they show, including the published run; `clear()` empties it when a run is published or
withdrawn (after commit).
"""

from __future__ import annotations

import html
import json
import threading
from collections import OrderedDict
from typing import Any

PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
           "#F0E442"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "circle",
          "square"]
WIDTH = 400
MAX_ENTRIES = 300

_cache: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()

_CONFIG: dict[str, Any] = {
    "font": "DejaVu Sans, Arial, sans-serif",
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1a1a1a",
             "titleColor": "#1a1a1a", "gridColor": "#d9d9d9"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "columns": 2,
               "symbolSize": 90, "labelLimit": 180},
    "title": {"fontSize": 14, "anchor": "start", "color": "#1a1a1a"},
    "view": {"stroke": None},
    "locale": {"number": {"decimal": ",", "thousands": ".", "grouping": [3],
                          "currency": ["", " kr."]}},
}


def clear() -> None:
    with _lock:
        _cache.clear()


def _render(spec: dict[str, Any], *, title: str, description: str) -> str:
    import vl_convert

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "config": _CONFIG, "background": "white", **spec}
    svg: str = vl_convert.vegalite_to_svg(spec)
    head_end = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:head_end]
    if "role=" not in opening:
        opening = opening[:-1] + ' role="img" aria-labelledby="chart-title chart-desc">'
    accessible = (f'<title id="chart-title">{html.escape(title)}</title>'
                  f'<desc id="chart-desc">{html.escape(description)}</desc>')
    return opening + accessible + svg[head_end:]


def cached(key: str) -> str | None:
    """The chart already rendered under `key`, if any (no data need be read to serve it)."""
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def render_cached(key: str, spec_builder: Any, *, title: str, description: str) -> str:
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    svg = _render(spec_builder(), title=title, description=description)
    with _lock:
        _cache[key] = svg
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return svg


def _colour_scale(names: list[str]) -> dict[str, Any]:
    return {"domain": names, "range": PALETTE[:len(names)] or PALETTE[:1]}


def time_series_spec(rows: list[dict[str, Any]], *, names: list[str], unit_label: str,
                     title: str) -> dict[str, Any]:
    """Lines with point marks per area over time (hidden cells left out: a gap, never 0)."""
    values = [{"period": r["period_start"], "label": r["period"], "area": r["name"],
               "value": r["value"]} for r in rows if r["value"] is not None]
    return {
        "title": title, "width": WIDTH - 60, "height": 220,
        "data": {"values": values},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "title": None,
                  "axis": {"format": "%Y", "tickCount": 6, "labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": unit_label,
                  "scale": {"zero": False}},
            "color": {"field": "area", "type": "nominal", "title": None,
                      "scale": _colour_scale(names)},
            "shape": {"field": "area", "type": "nominal", "title": None,
                      "scale": {"domain": names, "range": SHAPES[:len(names)]}},
        },
        "layer": [{"mark": {"type": "line", "strokeWidth": 2}},
                  {"mark": {"type": "point", "filled": True, "size": 50}}],
    }


def comparison_spec(rows: list[dict[str, Any]], *, region_value: float | None,
                    unit_label: str, title: str) -> dict[str, Any]:
    """Areas' values with 95 % intervals against the region's value (a vertical rule)."""
    values = [{"area": r["name"], "value": r["value"], "low": r["ci_low"],
               "high": r["ci_high"]} for r in rows if r["value"] is not None]
    order = [v["area"] for v in values]
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "rule", "color": "#0072B2", "strokeWidth": 2},
         "encoding": {"x": {"field": "low", "type": "quantitative", "title": unit_label,
                            "scale": {"zero": False}},
                      "x2": {"field": "high"},
                      "y": {"field": "area", "type": "nominal", "sort": order,
                            "title": None}}},
        {"mark": {"type": "point", "filled": True, "size": 45, "color": "#000000",
                  "shape": "diamond"},
         "encoding": {"x": {"field": "value", "type": "quantitative"},
                      "y": {"field": "area", "type": "nominal", "sort": order}}},
    ]
    if region_value is not None:
        layers.append({"data": {"values": [{"region": region_value}]},
                       "mark": {"type": "rule", "color": "#D55E00", "strokeDash": [6, 3],
                                "strokeWidth": 2},
                       "encoding": {"x": {"field": "region", "type": "quantitative"}}})
    return {"title": title, "width": WIDTH - 170, "height": max(16 * len(values), 40),
            "data": {"values": values}, "layer": layers}


def funnel_spec(points: list[dict[str, Any]], limits: list[dict[str, float]], *,
                centre: float, unit_label: str, denominator_label: str,
                title: str) -> dict[str, Any]:
    """A funnel plot: each area's value by its denominator, with the region's value and 95 %
    and 99.8 % control limits."""
    layers: list[dict[str, Any]] = []
    for key, dash in (("low95", [4, 3]), ("high95", [4, 3]), ("low998", [1, 2]),
                      ("high998", [1, 2])):
        layers.append({"data": {"values": limits},
                       "mark": {"type": "line", "color": "#555555", "strokeDash": dash},
                       "encoding": {"x": {"field": "n", "type": "quantitative",
                                          "title": denominator_label,
                                          "scale": {"type": "log"}},
                                    "y": {"field": key, "type": "quantitative",
                                          "title": unit_label, "scale": {"zero": False}}}})
    layers.append({"data": {"values": [{"centre": centre}]},
                   "mark": {"type": "rule", "color": "#D55E00", "strokeWidth": 2},
                   "encoding": {"y": {"field": "centre", "type": "quantitative"}}})
    layers.append({"data": {"values": points},
                   "mark": {"type": "point", "filled": True, "size": 50},
                   "encoding": {"x": {"field": "n", "type": "quantitative"},
                                "y": {"field": "value", "type": "quantitative"},
                                "shape": {"field": "where", "type": "nominal", "title": None,
                                          "scale": {"range": ["circle", "triangle-up",
                                                              "triangle-down"]}},
                                "color": {"field": "where", "type": "nominal", "title": None,
                                          "scale": {"range": ["#000000", "#D55E00",
                                                              "#0072B2"]}}}})
    return {"title": title, "width": WIDTH - 60, "height": 220, "layer": layers}


def cache_key(*parts: Any) -> str:
    return json.dumps(parts, default=str, sort_keys=True)
