"""Planning writes: estates, leases, community points, the walking network and the circle's computation."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import ValidationFailed
from yanglao.core.scope import division_in_scope
from yanglao.core.validators import validate_latitude, validate_longitude

from . import network as net
from .models import (
    ANY_KIND,
    CircleParameters,
    CircleRun,
    CommunityPoint,
    Estate,
    Method,
    NetworkStatus,
    PointKind,
    PointTime,
    PropertyLease,
    RunStatus,
    WalkNetwork,
)

ESTATE_FIELDS = ("name", "division_code", "address", "developer", "area_kind", "households", "completed_on",
                 "room_area_m2", "handed_over", "handed_over_on", "in_use", "latitude", "longitude", "note")
LEASE_FIELDS = ("name", "division_code", "address", "owner_unit", "floor_area_m2", "lessee", "purpose", "status",
                "public_tender", "priority_given", "start_date", "end_date", "annual_rent_fen", "note")


def _check_scope(by: Any, code: str) -> None:
    if len(code or "") != 12:
        raise ValidationFailed("请选择所在村（社区）", details={"division_code": "请选择村（社区）"})
    if not division_in_scope(by, code):
        raise ValidationFailed("所选村（社区）不在您的管辖范围内", details={"division_code": "不在管辖范围内"})


def _check_point(data: Mapping[str, Any]) -> None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        raise ValidationFailed("经度和纬度需同时填写", details={"latitude": "经度和纬度需同时填写"})
    if lat is not None:
        validate_latitude(lat)
        validate_longitude(lon)


# --------------------------------------------------------------------------- estates
def estate_save(*, by: Any, data: Mapping[str, Any], estate: Estate | None = None) -> Estate:
    _check_scope(by, data["division_code"])
    _check_point(data)
    if not data.get("handed_over") and data.get("handed_over_on"):
        raise ValidationFailed("未移交的小区不应填写移交日期", details={"handed_over_on": "未移交"})
    if data.get("room_area_m2") is not None and Decimal(data["room_area_m2"]) < 0:
        raise ValidationFailed("用房面积不能为负数", details={"room_area_m2": "不能为负数"})
    if estate is not None and not division_in_scope(by, estate.division_code):
        raise ValidationFailed("该小区不在您的管辖范围内")
    target = estate or Estate()
    for name in ESTATE_FIELDS:
        if name in data:
            value = data[name]
            if name == "room_area_m2" and value is None:
                value = Decimal("0")
            setattr(target, name, value)
    duplicate = Estate.objects.filter(division_code=target.division_code, name=target.name)
    if target.pk:
        duplicate = duplicate.exclude(pk=target.pk)
    if duplicate.exists():
        raise ValidationFailed("该村（社区）已有同名小区", details={"name": "同名小区已存在"})
    target.save()
    return target


# --------------------------------------------------------------------------- leases
def lease_save(*, by: Any, data: Mapping[str, Any], lease: PropertyLease | None = None) -> PropertyLease:
    _check_scope(by, data["division_code"])
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end <= start:
        raise ValidationFailed("租期结束应晚于租期开始", details={"end_date": "应晚于租期开始"})
    if data.get("status") in ("leased", "in_use") and not (start and end):
        raise ValidationFailed("已出租的房产需填写租期", details={"start_date": "请填写租期"})
    if lease is not None and not division_in_scope(by, lease.division_code):
        raise ValidationFailed("该房产不在您的管辖范围内")
    target = lease or PropertyLease()
    for name in LEASE_FIELDS:
        if name in data:
            setattr(target, name, data[name])
    target.save()
    return target


# --------------------------------------------------------------------------- community points
def point_save(*, by: Any, division_code: str, latitude: Decimal, longitude: Decimal,
               source: str = "survey") -> CommunityPoint:
    _check_scope(by, division_code)
    _check_point({"latitude": latitude, "longitude": longitude})
    point, _created = CommunityPoint.objects.get_or_create(
        division_code=division_code, defaults={"latitude": latitude, "longitude": longitude, "source": source})
    if not _created:
        point.latitude, point.longitude, point.source = latitude, longitude, source
        point.save()
    return point


# --------------------------------------------------------------------------- parameters
def parameters(on: Any = None) -> CircleParameters:
    """The parameters in force (the defaults of the model when none are recorded yet)."""
    day = on or timezone.localdate()
    found = CircleParameters.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    return found or CircleParameters(valid_from=day, source="默认值")


# --------------------------------------------------------------------------- the walking network
def network_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "planning"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _format_of(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".osm.pbf") or lower.endswith(".pbf"):
        return "pbf"
    if lower.endswith((".osm", ".xml")):
        return "xml"
    raise ValidationFailed("只支持 OpenStreetMap 的 .osm（XML）或 .osm.pbf 文件", details={"file": "文件类型不支持"})


def network_load(*, path: str | Path, name: str, by: Any = None, network: WalkNetwork | None = None) -> WalkNetwork:
    """Read a local OpenStreetMap file into a walking network and make it the one in use. A file that cannot be
    read leaves the network FAILED with the reason (and the previous network in use)."""
    path = Path(path)
    if network is None:
        network = WalkNetwork.objects.create(name=name, filename=path.name, file_format=_format_of(path.name),
                                             loaded_by=by if getattr(by, "pk", None) else None)
    network.status = NetworkStatus.LOADING
    network.save(update_fields=["status"])
    try:
        graph = net.read_osm(path)
    except (net.NetworkFileError, OSError) as exc:
        network.status = NetworkStatus.FAILED
        network.error = str(exc)[:500]
        network.save(update_fields=["status", "error"])
        return network
    with transaction.atomic():
        WalkNetwork.objects.filter(active=True).exclude(pk=network.pk).update(active=False)
        network.graph = graph.to_bytes()
        network.file_sha256 = _sha256(path)
        network.nodes, network.edges, network.ways = graph.nodes, graph.edges, graph.ways
        network.total_km = Decimal(str(round(float(graph.length_m.sum()) / 1000, 2)))
        network.south, network.north = float(graph.lat.min()), float(graph.lat.max())
        network.west, network.east = float(graph.lon.min()), float(graph.lon.max())
        network.status = NetworkStatus.READY
        network.error = ""
        network.loaded_at = timezone.now()
        network.active = True
        network.save()
    return network


def network_upload(*, by: Any, upload: Any) -> WalkNetwork:
    """A planner's upload through the console: stored under MEDIA_ROOT/planning, read by a background job
    that then recomputes the circle."""
    fmt = _format_of(upload.name)
    limit = settings.PLANNING_OSM_MAX_MB * 1024 * 1024
    if upload.size <= 0:
        raise ValidationFailed("上传的文件是空的", details={"file": "文件为空"})
    if upload.size > limit:
        raise ValidationFailed(f"文件超过 {settings.PLANNING_OSM_MAX_MB} MB 的上限；请用命令 yanglao load_osm 在服务器上载入",
                               details={"file": "文件过大"})
    network = WalkNetwork.objects.create(name=Path(upload.name).name[:100], filename=Path(upload.name).name[:200],
                                         file_format=fmt, loaded_by=by)
    target = network_dir() / f"network-{network.pk}{'.osm.pbf' if fmt == 'pbf' else '.osm'}"
    with open(target, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    network.upload_path = str(target)
    network.save(update_fields=["upload_path"])
    from .tasks import load_network

    transaction.on_commit(lambda: load_network.enqueue(network.pk))
    return network


# --------------------------------------------------------------------------- the circle
def facility_points() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Active homecare facilities by kind (and all together under "any"), at their own coordinates or, where
    they have none, at their community's point."""
    from yanglao.homecare.choices import FacilityKind
    from yanglao.homecare.models import Facility

    points = {code: (lat, lon) for code, lat, lon in
              CommunityPoint.objects.values_list("division_code", "latitude", "longitude")}
    by_kind: dict[str, list[tuple[float, float]]] = {k: [] for k in [*FacilityKind.values, ANY_KIND]}
    for kind, code, lat, lon in Facility.objects.filter(active=True).values_list("kind", "division_code", "latitude",
                                                                               "longitude"):
        if lat is None or lon is None:
            if code not in points:
                continue
            lat, lon = points[code]
        by_kind.setdefault(kind, []).append((float(lat), float(lon)))
        by_kind[ANY_KIND].append((float(lat), float(lon)))
    return {k: (np.array([p[0] for p in v]), np.array([p[1] for p in v])) for k, v in by_kind.items()}


def circle_request(*, by: Any) -> CircleRun:
    """Queue a recomputation (the background job computes it)."""
    params = parameters()
    run = CircleRun.objects.create(
        network=WalkNetwork.objects.filter(active=True, status=NetworkStatus.READY).defer("graph").first(),
        walking_speed_mps=params.walking_speed_mps, detour_factor=params.detour_factor,
        threshold_minutes=params.threshold_minutes, max_snap_m=params.max_snap_m,
        requested_by=by if getattr(by, "pk", None) else None)
    from .tasks import compute_circle

    transaction.on_commit(lambda: compute_circle.enqueue(run.pk))
    return run


def circle_compute(run: CircleRun | None = None, *, by: Any = None) -> CircleRun:
    """Walking minutes from every residential point (communities with a point, estates with coordinates) to the
    nearest facility of each kind: on the network in use where the point lies within max_snap_m of it, by the
    straight-line estimate elsewhere (and everywhere when no network is loaded). The rows of earlier runs are
    removed once this one is stored."""
    if run is None:
        params = parameters()
        run = CircleRun.objects.create(
            network=WalkNetwork.objects.filter(active=True, status=NetworkStatus.READY).defer("graph").first(),
            walking_speed_mps=params.walking_speed_mps, detour_factor=params.detour_factor,
            threshold_minutes=params.threshold_minutes, max_snap_m=params.max_snap_m,
            requested_by=by if getattr(by, "pk", None) else None)
    run.status, run.started_at = RunStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    started = time.perf_counter()
    try:
        rows = _compute_rows(run)
    except Exception as exc:  # the job records why and the page shows it; the previous result stays
        run.status, run.error, run.finished_at = RunStatus.FAILED, str(exc)[:500], timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    with transaction.atomic():
        PointTime.objects.bulk_create(rows, batch_size=2000)
        PointTime.objects.filter(run__lt=run.pk).delete()
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["status", "finished_at", "seconds", "points", "facilities"])
        audit_bulk(PointTime, operation="planning.circle", count=len(rows),
                   params={"run": run.pk, "network": run.network_id, "speed_mps": run.walking_speed_mps,
                           "detour": run.detour_factor, "threshold": run.threshold_minutes})
    return run


def _compute_rows(run: CircleRun) -> list[PointTime]:
    communities = list(CommunityPoint.objects.order_by("division_code").values_list("division_code", "latitude",
                                                                                    "longitude"))
    estates = list(Estate.objects.filter(latitude__isnull=False, longitude__isnull=False).order_by("pk")
                   .values_list("pk", "division_code", "latitude", "longitude"))
    keys = [(PointKind.COMMUNITY, code, None) for code, _la, _lo in communities] + \
           [(PointKind.ESTATE, code, pk) for pk, code, _la, _lo in estates]
    lat = np.array([float(r[1]) for r in communities] + [float(r[2]) for r in estates])
    lon = np.array([float(r[2]) for r in communities] + [float(r[3]) for r in estates])
    facilities = facility_points()
    run.points = len(keys)
    run.facilities = int(facilities[ANY_KIND][0].shape[0])
    speed, detour = float(run.walking_speed_mps), float(run.detour_factor)
    circle = None
    if run.network_id and run.network and run.network.graph:
        circle = net.Circle(net.Graph.from_bytes(run.network.graph), speed_mps=speed)
    rows: list[PointTime] = []
    for kind, fpoints in facilities.items():
        straight = net.straight_minutes((lat, lon), fpoints, speed_mps=speed, detour=detour)
        if circle is not None:
            walk = circle.walk((lat, lon), fpoints, max_snap_m=float(run.max_snap_m))
            off = ~walk.facility_on_network
            # facilities off the network still count for points on it, by the estimate
            straight_off = net.straight_minutes((lat, lon), (fpoints[0][off], fpoints[1][off]), speed_mps=speed,
                                                detour=detour)
            by_network = walk.on_network & (walk.minutes <= straight_off)
            minutes = np.where(by_network, walk.minutes, np.where(walk.on_network, straight_off, straight))
            methods = np.where(by_network | (walk.on_network & ~np.isfinite(straight_off)), Method.NETWORK.value,
                               Method.STRAIGHT.value)
            snaps = walk.snap_m
        else:
            minutes, methods, snaps = straight, np.full(len(keys), Method.STRAIGHT.value), np.full(len(keys), np.nan)
        for i, (pkind, code, estate_id) in enumerate(keys):
            value = float(minutes[i])
            snap = float(snaps[i])
            rows.append(PointTime(run=run, point_kind=pkind, division_code=code, estate_id=estate_id,
                                  facility_kind=kind, minutes=round(value, 2) if np.isfinite(value) else None,
                                  method=str(methods[i]), snap_m=round(snap, 1) if np.isfinite(snap) else None))
    return rows
