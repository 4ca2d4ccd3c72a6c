"""XML-safe attributes and a small GEXF 1.3 writer that the official XSD accepts.

Why not ``networkx.write_gexf``: it writes ``<graph name="">`` (the 1.3 XSD has
no ``name`` on ``graph``), writes ``None`` as the string ``"None"``, lists as
their Python ``repr``, passes XML-illegal control characters through (the file
then does not parse), and puts colours in the ``viz`` namespace, which the 1.3
XSD cannot validate (its ``viz.xsd`` has no target namespace). GEXF is a small
format; writing it directly keeps every file valid.

The viz form: ``<color r g b/>`` and ``<size value/>`` as *unprefixed* children
of ``<node>``, i.e. in the GEXF namespace ``http://gexf.net/1.3``. That is the
form the 1.3 XSD declares (``dynamics.xsd`` references ``ns1:color`` and
``ns1:size``). Gephi's importer matches these elements by local name whatever
their namespace, and graphology-gexf (Gephi Lite) falls back to unprefixed
``color``/``size``, so all three accept it. networkx's reader looks only in the
viz namespace and ignores them; the colour's source, ``main_theme``, is also a
node attribute.

Attribute ids are the attribute names: graphology keys attributes by id unless
the id is numeric, networkx by title, Gephi by id, so ``id == title`` gives the
same keys in all three.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import networkx as nx

from crawler.text import xml_text

__all__ = [
    "GEXF_NS",
    "attribute_types",
    "is_missing",
    "sanitize_graph",
    "sanitize_value",
    "value_type",
    "write_gexf",
]

GEXF_NS = "http://gexf.net/1.3"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_WS = re.compile(r"\s+")
# Keys the writer reads itself (kept as they are), and keys that GEXF, Gephi or a
# reader use for something else (an attribute so named gets a trailing "_"):
# graphology puts viz colour and size under "color"/"size", networkx the XML
# label and id under "label"/"id", Gephi has id, label, weight, timeset columns.
_NODE_KEYS = {"label", "viz", "spells"}
_EDGE_KEYS = {"weight", "spells"}
_TIME = {"timeset", "interval", "start", "end", "timestamp"}
_NODE_RESERVED = {"id", "label", "pid", "color", "size", "x", "y", "z", "shape", *_TIME}
_EDGE_RESERVED = {"id", "label", "weight", "kind", "type", "source", "target", "color", "thickness", *_TIME}


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and infinities (none has an XML form).

    >>> [is_missing(v) for v in (None, float("nan"), float("inf"), 0, "")]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return not math.isfinite(float(value))
    try:
        import pandas as pd

        return bool(value is pd.NA or value is pd.NaT)
    except ImportError:  # pragma: no cover
        return False


def sanitize_value(value: Any) -> Any:
    """One attribute value as bool, int, float, str, or None when missing.

    numpy scalars become Python scalars, sequences ``|``-joined strings, dates ISO
    strings, and text loses XML-illegal characters.

    >>> sanitize_value(("T1", "T2")), sanitize_value(float("nan")), sanitize_value("x\\x00")
    ('T1|T2', None, 'x')
    """
    if is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)) and getattr(value, "ndim", 0) == 0:
        value = value.item()  # numpy scalar
        if is_missing(value):
            return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, bytes):
        return xml_text(value.decode("utf-8", "replace"))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return xml_text("|".join(f"{k}={v}" for k, v in value.items()))
    if isinstance(value, Iterable):
        return xml_text("|".join(str(sanitize_value(v) or "") for v in value if not is_missing(v)))
    return xml_text(value)


def value_type(values: Iterable[Any]) -> str:
    """The GEXF type of sanitised values: boolean, integer, long, double or string.

    >>> value_type([1, None, 2]), value_type([1, 2.5]), value_type([True]), value_type([None])
    ('integer', 'double', 'boolean', 'string')
    """
    values = list(values)
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return "string"
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        ints = [v for v in values if v is not None]
        return "integer" if all(-(2**31) <= v < 2**31 for v in ints) else "long"
    if kinds <= {int, float}:
        return "double"
    return "string"


def _is_dynamic(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(t, tuple) and len(t) == 3 for t in value)


def _coerce(value: Any, kind: str) -> Any:
    if value is None:
        return "" if kind == "string" else None
    if kind == "string":
        return value if isinstance(value, str) else sanitize_value(str(value))
    if kind == "double":
        return float(value)
    return value


def _clean_attrs(rows: list[dict[str, Any]], dynamic: bool, keep: set[str], reserved: set[str]) -> None:
    """Sanitise attribute dicts in place so that each key has one type."""
    values: dict[str, list[Any]] = {}
    for data in rows:
        for key in [k for k in data if k not in keep]:
            value = data.pop(key)
            name = xml_text(key).strip() or "attribute"
            if name in reserved:
                name = f"{name}_"
            if dynamic and _is_dynamic(value):
                value = [(sanitize_value(v), s, e) for v, s, e in value]
                value = [t for t in value if t[0] is not None]
                values.setdefault(name, []).extend(v for v, _, _ in value)
            else:
                value = sanitize_value(value)
                values.setdefault(name, []).append(value)
            data[name] = value
    types = {name: value_type(vals) for name, vals in values.items()}
    for data in rows:
        for name, kind in types.items():
            value = data.get(name)
            if isinstance(value, list):
                data[name] = [(_coerce(v, kind), s, e) for v, s, e in value]
            elif value is None and kind == "string" and not dynamic:
                data[name] = ""
            elif value is None:
                data.pop(name, None)
            else:
                data[name] = _coerce(value, kind)


def sanitize_graph(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` that any GEXF/GraphML reader accepts, with typed attributes.

    - node ids become strings without XML-illegal characters;
    - each node/edge attribute gets one type over the whole graph (bool, int,
      float or str; ints mixed with floats become floats);
    - None/NaN/inf: omitted for numeric and boolean attributes, ``""`` for text;
    - lists, tuples and sets become ``|``-joined strings; numpy scalars Python ones;
    - ``label`` is whitespace-collapsed text (defaults to ``name``, then the id);
    - attributes named like fields GEXF or its readers use for something else
      (node ``id``, ``color``, ``size``; edge ``id``, ``kind``…) get a trailing
      ``_``; edge ``weight`` stays and defaults to 1;
    - graph attributes: missing and empty values are dropped (no ``name=""``).

    In a graph with ``G.graph["mode"] == "dynamic"``, attribute values that are
    lists of ``(value, start, end)`` tuples stay dynamic, and ``spells`` stays.

    >>> G = nx.DiGraph(name="")
    >>> G.add_node(1, name="A <b>\\x00", themes=("T1", "T2"), score=float("nan"))
    >>> G.add_node(2, score=2)
    >>> G.add_edge(1, 2, weight=3, share=1)
    >>> G.add_edge(2, 1, share=0.5)
    >>> H = sanitize_graph(G)
    >>> H.nodes["1"], H.graph
    ({'label': 'A <b>', 'name': 'A <b>', 'themes': 'T1|T2'}, {})
    >>> H.nodes["2"]
    {'label': '2', 'score': 2, 'name': '', 'themes': ''}
    >>> H.edges["1", "2"], H.edges["2", "1"]
    ({'weight': 3.0, 'share': 1.0}, {'weight': 1.0, 'share': 0.5})
    """
    dynamic = G.graph.get("mode") == "dynamic"
    H = G.__class__()
    for key, value in G.graph.items():
        if key in ("node_default", "edge_default"):
            continue
        value = sanitize_value(value)
        if value not in (None, ""):
            H.graph[xml_text(key)] = value
    ids = {n: xml_text(n) for n in G.nodes}
    if len(set(ids.values())) != len(ids):
        raise ValueError("node ids collide once XML-illegal characters are removed")
    for n, data in G.nodes(data=True):
        H.add_node(ids[n], **dict(data))
    for u, v, data in G.edges(data=True):
        H.add_edge(ids[u], ids[v], **dict(data))
    for n, data in H.nodes(data=True):
        label = data.get("label")
        if label is None or is_missing(label) or _is_dynamic(label):
            label = data.get("name")
        label = sanitize_value(label) if label is not None and not _is_dynamic(label) else None
        data["label"] = _WS.sub(" ", str(label or n)).strip() or n
    _clean_attrs([d for _, d in H.nodes(data=True)], dynamic, _NODE_KEYS, _NODE_RESERVED)
    for _, _, data in H.edges(data=True):
        weight = data.get("weight", 1)
        if dynamic and _is_dynamic(weight):
            data["weight"] = [(float(w), s, e) for w, s, e in weight if sanitize_value(w) is not None]
        else:
            weight = sanitize_value(weight)
            data["weight"] = float(weight) if isinstance(weight, (int, float)) else 1.0
    _clean_attrs([d for _, _, d in H.edges(data=True)], dynamic, _EDGE_KEYS, _EDGE_RESERVED)
    return H


def attribute_types(G: nx.Graph, kind: str = "node") -> dict[str, str]:
    """GEXF type of each attribute of a sanitised graph (``kind``: node or edge).

    >>> G = sanitize_graph(nx.path_graph(2))
    >>> G.nodes["0"]["n"] = 3
    >>> attribute_types(G)
    {'n': 'integer'}
    """
    if kind == "node":
        rows = [d for _, d in G.nodes(data=True)]
        skip = _NODE_KEYS
    else:
        rows = [d for _, _, d in G.edges(data=True)]
        # A dynamic weight is declared like Gephi's own exporter does: a dynamic
        # edge attribute "weight" (the XML weight holds the latest value).
        skip = _EDGE_KEYS - {"weight"} if G.graph.get("mode") == "dynamic" else _EDGE_KEYS
    values: dict[str, list[Any]] = {}
    for data in rows:
        for key, value in data.items():
            if key in skip:
                continue
            if _is_dynamic(value):
                values.setdefault(key, []).extend(v for v, _, _ in value)
            else:
                values.setdefault(key, []).append(value)
    return {key: value_type(vals) for key, vals in values.items()}


def _text(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    return str(value)


def _attributes_element(parent: ET.Element, cls: str, types: dict[str, str], mode: str) -> None:
    if not types:
        return
    block = ET.SubElement(parent, "attributes", {"class": cls, "mode": mode})
    for name, kind in types.items():
        ET.SubElement(block, "attribute", {"id": name, "title": name, "type": kind})


def _attvalues(parent: ET.Element, data: dict[str, Any], types: dict[str, str]) -> None:
    values = ET.Element("attvalues")
    for name, kind in types.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, list):
            for v, start, end in value:
                attrs = {"for": name, "value": _text(v, kind)}
                if start is not None:
                    attrs["start"] = str(start)
                if end is not None:
                    attrs["end"] = str(end)
                ET.SubElement(values, "attvalue", attrs)
        else:
            ET.SubElement(values, "attvalue", {"for": name, "value": _text(value, kind)})
    if len(values):
        parent.append(values)


def _spells(parent: ET.Element, spells: Any) -> None:
    if spells:
        block = ET.SubElement(parent, "spells")
        for start, end in spells:
            ET.SubElement(block, "spell", {"start": str(start), "end": str(end)})


def _viz(parent: ET.Element, viz: Any) -> None:
    if not isinstance(viz, Mapping):
        return
    color = viz.get("color")
    if isinstance(color, Mapping):
        attrs = {c: str(max(0, min(255, int(color[c])))) for c in "rgb" if c in color}
        if "a" in color:
            attrs["a"] = repr(max(0.0, min(1.0, float(color["a"]))))
        ET.SubElement(parent, "color", attrs)
    size = viz.get("size")
    if size is not None and not is_missing(size):
        ET.SubElement(parent, "size", {"value": repr(max(0.0, float(size)))})


def write_gexf(
    G: nx.Graph,
    path: str | Path,
    *,
    version: str = "1.3",
    creator: str = "govlinks",
    description: str = "",
) -> None:
    """Write ``G`` as GEXF 1.3 that validates against the official XSD.

    Node ids are kept (as strings); ``label`` (or ``name``) is the node label;
    ``viz = {"color": {"r", "g", "b"}, "size": s}`` becomes ``<color>``/``<size>``
    in the GEXF namespace (see the module docstring); edge ``weight`` is the
    edge's ``weight`` attribute. A graph whose ``graph["mode"]`` is ``dynamic``
    is written with ``timeformat`` from ``graph["timeformat"]`` (default
    ``date``), node/edge ``spells`` and ``(value, start, end)`` attribute values.
    """
    if version != "1.3":
        raise ValueError(f"GEXF version {version!r} is not supported (only 1.3)")
    H = sanitize_graph(G)
    dynamic = H.graph.get("mode") == "dynamic"
    root = ET.Element(
        "gexf",
        {
            "xmlns": GEXF_NS,
            "xmlns:xsi": _XSI_NS,
            "xsi:schemaLocation": f"{GEXF_NS} {GEXF_NS}/gexf.xsd",
            "version": "1.3",
        },
    )
    meta = ET.SubElement(root, "meta", {"lastmodifieddate": date.today().isoformat()})
    ET.SubElement(meta, "creator").text = xml_text(creator)
    ET.SubElement(meta, "description").text = xml_text(description or H.graph.get("description", ""))
    graph_attrs = {
        "defaultedgetype": "directed" if H.is_directed() else "undirected",
        "mode": "dynamic" if dynamic else "static",
        "idtype": "string",
    }
    if dynamic:
        graph_attrs["timeformat"] = str(H.graph.get("timeformat", "date"))
        if H.graph.get("timezone"):
            graph_attrs["timezone"] = str(H.graph["timezone"])
    graph = ET.SubElement(root, "graph", graph_attrs)
    mode = "dynamic" if dynamic else "static"
    node_types = attribute_types(H, "node")
    edge_types = attribute_types(H, "edge")
    _attributes_element(graph, "node", node_types, mode)
    _attributes_element(graph, "edge", edge_types, mode)
    nodes = ET.SubElement(graph, "nodes", {"count": str(H.number_of_nodes())})
    for n, data in H.nodes(data=True):
        node = ET.SubElement(nodes, "node", {"id": n, "label": data["label"]})
        _attvalues(node, data, node_types)
        if dynamic:
            _spells(node, data.get("spells"))
        _viz(node, data.get("viz"))
    edges = ET.SubElement(graph, "edges", {"count": str(H.number_of_edges())})
    for u, v, data in H.edges(data=True):
        weight = data.get("weight", 1)
        if isinstance(weight, list):  # dynamic: the static weight is the latest one
            weight = weight[-1][0] if weight else 1
        edge = ET.SubElement(edges, "edge", {"source": u, "target": v, "weight": repr(float(weight))})
        _attvalues(edge, data, edge_types)
        if dynamic:
            _spells(edge, data.get("spells"))
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    with open(path, "wb") as out:
        tree.write(out, encoding="UTF-8", xml_declaration=True)
