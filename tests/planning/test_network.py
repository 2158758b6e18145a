"""The walking network read from OpenStreetMap files the tests make, and walking times on it (no database)."""

import math

import numpy as np
import pytest

from yanglao.planning import network as net

LINE_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="21.8500000" lon="111.9500000"/>
  <node id="2" lat="21.8500000" lon="111.9600000"/>
  <node id="3" lat="21.8500000" lon="111.9700000"/>
  <node id="4" lat="21.8500000" lon="111.9800000"/>
  <node id="5" lat="21.8600000" lon="111.9500000"/>
  <node id="6" lat="21.8600000" lon="111.9800000"/>
  <node id="7" lat="21.9000000" lon="111.9000000"/>
  <node id="8" lat="21.9000000" lon="111.9100000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="12"><nd ref="1"/><nd ref="5"/><tag k="highway" v="motorway"/></way>
  <way id="13"><nd ref="5"/><nd ref="6"/><tag k="highway" v="residential"/><tag k="foot" v="no"/></way>
  <way id="14"><nd ref="4"/><nd ref="6"/><tag k="building" v="yes"/></way>
  <way id="15"><nd ref="7"/><nd ref="8"/><tag k="highway" v="path"/></way>
  <way id="16"><nd ref="2"/><nd ref="3"/><tag k="highway" v="service"/></way>
</osm>
"""


@pytest.fixture
def line_file(tmp_path):
    path = tmp_path / "line.osm"
    path.write_text(LINE_OSM, encoding="utf-8")
    return path


def test_only_walkable_ways_are_kept_and_each_street_counted_once(line_file):
    graph = net.read_osm(line_file)
    # motorway, foot=no and a building outline are left out: nodes 5 and 6 belong to no walkable way
    assert graph.nodes == 6
    # 1-2, 2-3 (twice: residential and service, kept once), 3-4, and the separate path 7-8
    assert graph.edges == 4
    expected = 3 * net.haversine_m(21.85, 111.95, 21.85, 111.96) + net.haversine_m(21.90, 111.90, 21.90, 111.91)
    assert float(graph.length_m.sum()) == pytest.approx(expected, rel=1e-9)


def test_walking_minutes_follow_the_streets_at_the_configured_speed(line_file):
    graph = net.read_osm(line_file)
    circle = net.Circle(graph, speed_mps=1.2)
    step = float(net.haversine_m(21.85, 111.95, 21.85, 111.96))  # about 1,033 m
    facilities = (np.array([21.85]), np.array([111.95]))  # on node 1
    points = (np.array([21.85, 21.85, 21.90]), np.array([111.97, 111.98, 111.901]))  # on node 3, node 4, the path
    walk = circle.walk(points, facilities, max_snap_m=500)
    assert walk.minutes[0] == pytest.approx(2 * step / 1.2 / 60, rel=1e-6)
    assert walk.minutes[1] == pytest.approx(3 * step / 1.2 / 60, rel=1e-6)
    assert math.isinf(walk.minutes[2])  # a path not connected to any facility: none reachable
    assert walk.on_network.all()


def test_the_nearest_of_several_facilities_wins_and_far_points_are_off_the_network(line_file):
    circle = net.Circle(net.read_osm(line_file), speed_mps=1.0)
    facilities = (np.array([21.85, 21.85]), np.array([111.95, 111.98]))  # node 1 and node 4
    points = (np.array([21.85, 21.95]), np.array([111.97, 111.97]))  # node 3; 11 km north of the network
    walk = circle.walk(points, facilities, max_snap_m=500)
    step = float(net.haversine_m(21.85, 111.95, 21.85, 111.96))
    assert walk.minutes[0] == pytest.approx(step / 60, rel=1e-6)  # one step to node 4, not two to node 1
    assert not walk.on_network[1] and math.isinf(walk.minutes[1])


def test_the_straight_line_estimate_applies_the_detour_factor():
    metres = float(net.haversine_m(21.85, 111.95, 21.86, 111.95))
    minutes = net.straight_minutes((np.array([21.86]), np.array([111.95])), (np.array([21.85]), np.array([111.95])),
                                   speed_mps=1.2, detour=1.4)
    assert minutes[0] == pytest.approx(metres * 1.4 / 1.2 / 60)
    assert math.isinf(net.straight_minutes((np.array([21.86]), np.array([111.95])), (np.array([]), np.array([])),
                                           speed_mps=1.2, detour=1.4)[0])


def test_a_pbf_file_gives_the_same_network_as_its_xml(tmp_path):
    osmium = pytest.importorskip("osmium")
    xml = net.grid_osm(tmp_path / "grid.osm", south=21.84, west=111.95, rows=12, cols=12, seed=3)
    pbf = tmp_path / "grid.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(xml)):
        writer.add(obj)
    writer.close()
    a, b = net.read_osm(xml), net.read_osm(pbf)
    assert (a.nodes, a.edges) == (b.nodes, b.edges)
    assert float(a.length_m.sum()) == pytest.approx(float(b.length_m.sum()), rel=1e-6)


def test_files_that_are_not_a_walking_network_are_refused_with_a_reason(tmp_path):
    bad = tmp_path / "x.osm"
    bad.write_text("<html><body>not osm</body></html>", encoding="utf-8")
    with pytest.raises(net.NetworkFileError, match="不是 OpenStreetMap"):
        net.read_osm(bad)
    empty = tmp_path / "roads.osm"
    empty.write_text('<osm version="0.6"><node id="1" lat="21.8" lon="111.9"/></osm>', encoding="utf-8")
    with pytest.raises(net.NetworkFileError, match="没有可步行的道路"):
        net.read_osm(empty)
    with pytest.raises(net.NetworkFileError, match=".osm"):
        net.read_osm(tmp_path / "roads.geojson")


def test_coincident_nodes_and_the_graph_round_trip_through_storage():
    lat = np.array([21.85, 21.85, 21.85])
    lon = np.array([111.95, 111.95, 111.96])  # nodes 0 and 1 at the same place
    graph = net.from_edges(lat, lon, np.array([0, 1, 1]), np.array([1, 2, 0]))
    assert graph.edges == 2  # 0-1 and 1-0 are one street
    again = net.Graph.from_bytes(graph.to_bytes())
    circle = net.Circle(again, speed_mps=1.2)
    walk = circle.walk((np.array([21.85]), np.array([111.96])), (np.array([21.85]), np.array([111.95])),
                       max_snap_m=100)
    assert np.isfinite(walk.minutes[0])  # the zero-length street still connects
