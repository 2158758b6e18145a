"""The 15-minute circle on a city-sized walking network: no database, the computation only.

A synthetic street grid of --nodes nodes (default 100,000: more than the walkable network of Yangjiang's urban
areas) and --facilities facilities (default 1,000) at random nodes; every node is a residential point. Timed
together, as `yanglao.planning.services.circle_compute` does it for one kind of facility:

1. the graph made ready: the sparse matrix (edge weight = haversine length ÷ 1.2 m/s) and the k-d tree;
2. points and facilities snapped to their nearest nodes (scipy.spatial.cKDTree on projected metres);
3. one multi-source Dijkstra from all facilities (scipy.sparse.csgraph.dijkstra, min_only=True), 120-minute limit.

With --xml the same network is also written as OpenStreetMap XML and read back (the iterparse reader), timed apart.

    .venv/bin/python bench/bench_circle.py --nodes 100000 --facilities 1000
Last line: circle nodes=… facilities=… seconds=… within15=…
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import log, result  # noqa: E402
from common import parser as make_parser  # noqa: E402

from yanglao.planning import network as net  # noqa: E402


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=100_000)
    p.add_argument("--facilities", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    p.add_argument("--xml", action="store_true", help="also time reading the network from an .osm XML file")
    args = p.parse_args()

    graph = net.synthetic_graph(args.nodes, seed=14)
    rng = np.random.default_rng(14)
    chosen = rng.choice(graph.nodes, size=args.facilities, replace=False)
    facilities = (graph.lat[chosen] + rng.normal(0, 0.0003, args.facilities),
                  graph.lon[chosen] + rng.normal(0, 0.0003, args.facilities))
    points = (graph.lat, graph.lon)
    log(f"network: {graph.nodes} nodes, {graph.edges} edges, {graph.length_m.sum() / 1000:.0f} km")
    best = float("inf")
    walk = None
    for attempt in range(args.repeat):
        started = time.perf_counter()
        circle = net.Circle(graph, speed_mps=1.2)
        walk = circle.walk(points, facilities, max_snap_m=500)
        seconds = time.perf_counter() - started
        log(f"run {attempt + 1}: {seconds:.3f} s")
        best = min(best, seconds)
    assert walk is not None
    within = float(np.mean(walk.minutes <= 15))
    if args.xml:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "grid.osm"
            side = int(np.ceil(np.sqrt(args.nodes)))
            net.grid_osm(path, south=21.70, west=111.60, rows=side, cols=side, spacing_m=80, seed=14)
            started = time.perf_counter()
            read = net.read_osm(path)
            log(f"read .osm XML ({path.stat().st_size / 1e6:.0f} MB, {read.nodes} nodes): "
                f"{time.perf_counter() - started:.2f} s")
    result("circle", nodes=graph.nodes, facilities=args.facilities, seconds=round(best, 3), within15=round(within, 3))


if __name__ == "__main__":
    main()
