"""The walking network: read from a local OpenStreetMap file (no network access), built as a scipy.sparse graph,
and the walking time from every residential point to the nearest facility by multi-source shortest paths.

Pure functions over numpy arrays: no database here (services.py stores and reads)."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8

# Ways a pedestrian may use (as OSMnx's "walk" network): every highway except these, and not where foot=no or
# access=private without foot=yes/designated/permissive.
NOT_WALKABLE = frozenset({
    "motorway", "motorway_link", "bus_guideway", "raceway", "busway", "construction", "proposed", "planned",
    "abandoned", "platform", "corridor", "escape", "elevator", "no", "razed", "disused",
})
FOOT_NO = frozenset({"no", "private"})
FOOT_YES = frozenset({"yes", "designated", "permissive"})


class NetworkFileError(ValueError):
    """The file is not a usable OpenStreetMap extract (the message is shown to the planner)."""


@dataclass
class Graph:
    """Nodes (WGS-84 degrees) and undirected edges with their lengths in metres."""

    lat: np.ndarray  # float64 [n]
    lon: np.ndarray  # float64 [n]
    u: np.ndarray  # int32 [m]
    v: np.ndarray  # int32 [m]
    length_m: np.ndarray  # float64 [m]
    ways: int = 0

    @property
    def nodes(self) -> int:
        return int(self.lat.shape[0])

    @property
    def edges(self) -> int:
        return int(self.u.shape[0])

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, lat=self.lat, lon=self.lon, u=self.u, v=self.v, length_m=self.length_m,
                            ways=np.array([self.ways]))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Graph:
        with np.load(io.BytesIO(bytes(data))) as z:
            return cls(lat=z["lat"], lon=z["lon"], u=z["u"], v=z["v"], length_m=z["length_m"], ways=int(z["ways"][0]))


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in metres (numpy arrays or floats)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def walkable(tags: dict[str, str]) -> bool:
    highway = tags.get("highway")
    if not highway or highway in NOT_WALKABLE or tags.get("area") == "yes":
        return False
    foot = tags.get("foot")
    if foot in FOOT_NO:
        return False
    if tags.get("access") in FOOT_NO and foot not in FOOT_YES:
        return False
    return tags.get("service") != "private"


# --------------------------------------------------------------------------- reading files
def read_osm(path: str | Path) -> Graph:
    """A walking network from an .osm (XML, streamed with iterparse) or .osm.pbf (pyosmium) file."""
    name = str(path).lower()
    if name.endswith(".pbf"):
        return _read_pbf(path)
    if name.endswith((".osm", ".xml")):
        return _read_xml(path)
    raise NetworkFileError("只支持 OpenStreetMap 的 .osm（XML）或 .osm.pbf 文件")


def _read_xml(path: str | Path) -> Graph:
    coords: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    tags: dict[str, str] = {}
    refs: list[int] = []
    seen_root = False
    try:
        for event, elem in ET.iterparse(str(path), events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if not seen_root:
                    if tag != "osm":
                        raise NetworkFileError("不是 OpenStreetMap XML 文件（根元素应为 <osm>）")
                    seen_root = True
                elif tag == "way":
                    tags, refs = {}, []
                continue
            if tag == "node":
                try:
                    coords[int(elem.get("id"))] = (float(elem.get("lat")), float(elem.get("lon")))
                except (TypeError, ValueError):
                    pass  # a node without a position (a deleted one in a change file) is not a place
                elem.clear()
            elif tag == "nd":
                ref = elem.get("ref")
                if ref is not None:
                    refs.append(int(ref))
            elif tag == "tag":
                key = elem.get("k")
                if key is not None:
                    tags[key] = elem.get("v") or ""
            elif tag == "way":
                if walkable(tags) and len(refs) >= 2:
                    ways.append(refs)
                elem.clear()
            elif tag == "relation":
                elem.clear()
    except ET.ParseError as exc:
        raise NetworkFileError(f"OpenStreetMap XML 文件格式错误：{exc}") from exc
    if not seen_root:
        raise NetworkFileError("文件为空")
    return _build(coords, ways)


def _read_pbf(path: str | Path) -> Graph:
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - osmium is a dependency
        raise NetworkFileError("未安装 pyosmium（osmium），无法读取 .osm.pbf；请改用 .osm（XML）文件") from exc

    coords: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []

    class Handler(osmium.SimpleHandler):  # type: ignore[misc]
        def way(self, w: Any) -> None:
            tags = {t.k: t.v for t in w.tags}
            if not walkable(tags) or len(w.nodes) < 2:
                return
            refs = []
            for n in w.nodes:
                if n.location.valid():
                    coords[n.ref] = (n.location.lat, n.location.lon)
                    refs.append(n.ref)
            if len(refs) >= 2:
                ways.append(refs)

    try:
        Handler().apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise NetworkFileError(f"无法读取 .osm.pbf 文件：{exc}") from exc
    return _build(coords, ways)


def _build(coords: dict[int, tuple[float, float]], ways: list[list[int]]) -> Graph:
    """Keep the nodes the walkable ways use; one edge per consecutive pair, duplicates kept at their shortest."""
    index: dict[int, int] = {}
    us: list[int] = []
    vs: list[int] = []
    for refs in ways:
        previous = None
        for ref in refs:
            if ref not in coords:
                previous = None  # a node outside the extract: the way is cut there
                continue
            i = index.setdefault(ref, len(index))
            if previous is not None and previous != i:
                us.append(previous)
                vs.append(i)
            previous = i
    if not us:
        raise NetworkFileError("文件中没有可步行的道路（highway=*）")
    lat = np.empty(len(index))
    lon = np.empty(len(index))
    for ref, i in index.items():
        lat[i], lon[i] = coords[ref]
    return from_edges(lat, lon, np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), ways=len(ways))


def from_edges(lat: np.ndarray, lon: np.ndarray, u: np.ndarray, v: np.ndarray, *, ways: int = 0) -> Graph:
    """A graph from node positions and node pairs: lengths by haversine, each undirected pair once (shortest)."""
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    keep = a != b
    a, b = a[keep], b[keep]
    length = haversine_m(lat[a], lon[a], lat[b], lon[b])
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first = np.ones(a.shape[0], dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return Graph(lat=np.asarray(lat, dtype=np.float64), lon=np.asarray(lon, dtype=np.float64),
                 u=a[first].astype(np.int32), v=b[first].astype(np.int32), length_m=length[first], ways=ways)


# --------------------------------------------------------------------------- computing
def project(lat: Any, lon: Any, lat0: float) -> np.ndarray:
    """Equirectangular metres around lat0: good to well under 1 % over a city, enough to find the nearest node."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    x = np.radians(lon) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    y = np.radians(lat) * EARTH_RADIUS_M
    return np.column_stack([x, y])


@dataclass
class Walk:
    """Walking minutes for each residential point (np.inf: none reachable) and its distance to the network."""

    minutes: np.ndarray
    snap_m: np.ndarray
    on_network: np.ndarray  # bool: the point snapped within max_snap_m (and some facility did)
    facility_on_network: np.ndarray  # bool per facility: snapped within max_snap_m


class Circle:
    """A graph ready for repeated queries: the sparse matrix (edge weight = seconds on foot) and a k-d tree of
    the nodes in projected metres."""

    def __init__(self, graph: Graph, *, speed_mps: float) -> None:
        self.graph = graph
        self.speed = float(speed_mps)
        self.lat0 = float(np.mean(graph.lat)) if graph.nodes else 0.0
        n = graph.nodes
        # csgraph treats a stored 0 as "no edge": two nodes at the same position are a tenth of a second apart.
        seconds = np.maximum(graph.length_m / self.speed, 0.1)
        self.matrix: csr_matrix = coo_matrix((seconds, (graph.u, graph.v)), shape=(n, n)).tocsr()
        self.tree = cKDTree(project(graph.lat, graph.lon, self.lat0))

    def snap(self, lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest node of each point and its distance in metres."""
        if len(lat) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        distance, node = self.tree.query(project(lat, lon, self.lat0))
        return np.asarray(node, dtype=np.int64), np.asarray(distance)

    def walk(self, points: tuple[np.ndarray, np.ndarray], facilities: tuple[np.ndarray, np.ndarray], *,
             max_snap_m: float, limit_minutes: float = 120.0) -> Walk:
        """Minutes from each point to the nearest facility: multi-source Dijkstra from the facilities' nodes
        (min_only: one pass whatever the number of facilities), plus the walk from the point to its node and
        from the facility that won to its node. Points or facilities farther than max_snap_m from the network
        are left to the straight-line estimate (on_network False)."""
        p_node, p_snap = self.snap(*points)
        f_node, f_snap = self.snap(*facilities)
        count = p_node.shape[0]
        minutes = np.full(count, np.inf)
        usable = f_snap <= max_snap_m
        on_network = p_snap <= max_snap_m
        if not usable.any() or count == 0:
            return Walk(minutes=minutes, snap_m=p_snap, on_network=np.zeros(count, dtype=bool),
                        facility_on_network=usable)
        all_usable = usable
        f_node, f_snap = f_node[usable], f_snap[usable]
        # Several facilities on one node: the one nearest to it stands for the node.
        order = np.lexsort((f_snap, f_node))
        f_node, f_snap = f_node[order], f_snap[order]
        first = np.ones(f_node.shape[0], dtype=bool)
        first[1:] = f_node[1:] != f_node[:-1]
        sources, source_snap = f_node[first], f_snap[first]
        dist, _pred, origin = dijkstra(self.matrix, directed=False, indices=sources, min_only=True,
                                       return_predecessors=True, limit=limit_minutes * 60.0)
        snap_of_source = np.zeros(self.graph.nodes)
        snap_of_source[sources] = source_snap
        reached = origin[p_node]
        seconds = dist[p_node] + p_snap / self.speed
        ok = np.isfinite(seconds) & (reached >= 0)
        seconds[ok] += snap_of_source[reached[ok]] / self.speed
        minutes = np.where(ok & on_network, seconds / 60.0, np.inf)
        return Walk(minutes=minutes, snap_m=p_snap, on_network=on_network, facility_on_network=all_usable)


def straight_minutes(points: tuple[np.ndarray, np.ndarray], facilities: tuple[np.ndarray, np.ndarray], *,
                     speed_mps: float, detour: float) -> np.ndarray:
    """The estimate without a network: straight-line distance to the nearest facility × the detour factor,
    at walking speed."""
    p_lat, p_lon = (np.asarray(a, dtype=np.float64) for a in points)
    f_lat, f_lon = (np.asarray(a, dtype=np.float64) for a in facilities)
    if p_lat.shape[0] == 0:
        return np.empty(0)
    if f_lat.shape[0] == 0:
        return np.full(p_lat.shape[0], np.inf)
    lat0 = float(np.mean(p_lat))
    _d, nearest = cKDTree(project(f_lat, f_lon, lat0)).query(project(p_lat, p_lon, lat0))
    metres = haversine_m(p_lat, p_lon, f_lat[nearest], f_lon[nearest])
    return metres * detour / speed_mps / 60.0


# --------------------------------------------------------------------------- making networks (demo, tests, bench)
def grid_osm(path: str | Path, *, south: float, west: float, rows: int, cols: int, spacing_m: float = 150.0,
             seed: int = 0, missing: float = 0.08, extra: Iterable[tuple[str, list[tuple[float, float]]]] = ()) -> Path:
    """Write a small street grid as OpenStreetMap XML: residential streets and footways with a little jitter,
    a few links missing (rivers, walls), a primary road on one row, a motorway (not walkable) on the last column.
    `extra` adds ways given as (highway, [(lat, lon), ...])."""
    rng = np.random.default_rng(seed)
    dlat = spacing_m / 111_320.0
    dlon = spacing_m / (111_320.0 * math.cos(math.radians(south)))
    path = Path(path)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="yanglao grid_osm">']
    node_id = {}
    nid = 1
    for r in range(rows):
        for c in range(cols):
            lat = south + r * dlat + rng.uniform(-0.15, 0.15) * dlat
            lon = west + c * dlon + rng.uniform(-0.15, 0.15) * dlon
            node_id[(r, c)] = nid
            lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
            nid += 1
    extra_ways = []
    for highway, coords in extra:
        ids = []
        for lat, lon in coords:
            lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
            ids.append(nid)
            nid += 1
        extra_ways.append((highway, ids))
    wid = 1

    def way(ids: list[int], highway: str, name: str = "") -> None:
        nonlocal wid
        body = "".join(f'<nd ref="{i}"/>' for i in ids)
        label = f'<tag k="name" v="{name}"/>' if name else ""
        lines.append(f'  <way id="{wid}">{body}<tag k="highway" v="{highway}"/>{label}</way>')
        wid += 1

    for r in range(rows):
        for c in range(cols - 1):
            if r != rows // 2 and rng.random() < missing:
                continue
            highway = "primary" if r == rows // 2 else ("footway" if r % 5 == 2 else "residential")
            way([node_id[(r, c)], node_id[(r, c + 1)]], highway)
    for c in range(cols):
        for r in range(rows - 1):
            if c == cols - 1:
                way([node_id[(r, c)], node_id[(r + 1, c)]], "motorway")
                continue
            if rng.random() < missing:
                continue
            way([node_id[(r, c)], node_id[(r + 1, c)]], "service" if c % 7 == 3 else "residential")
    for highway, ids in extra_ways:
        way(ids, highway)
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def synthetic_graph(nodes: int, *, seed: int = 0, south: float = 21.70, west: float = 111.60,
                    spacing_m: float = 80.0) -> Graph:
    """A square-ish grid of about `nodes` nodes with a few diagonals, for the benchmark."""
    rng = np.random.default_rng(seed)
    side = int(math.ceil(math.sqrt(nodes)))
    dlat = spacing_m / 111_320.0
    dlon = spacing_m / (111_320.0 * math.cos(math.radians(south)))
    idx = np.arange(side * side)
    r, c = idx // side, idx % side
    lat = south + r * dlat + rng.uniform(-0.2, 0.2, idx.shape[0]) * dlat
    lon = west + c * dlon + rng.uniform(-0.2, 0.2, idx.shape[0]) * dlon
    right = idx[c < side - 1]
    down = idx[r < side - 1]
    diag = idx[(c < side - 1) & (r < side - 1)]
    diag = diag[rng.random(diag.shape[0]) < 0.1]
    u = np.concatenate([right, down, diag])
    v = np.concatenate([right + 1, down + side, diag + side + 1])
    drop = rng.random(u.shape[0]) < 0.05
    return from_edges(lat, lon, u[~drop], v[~drop])
