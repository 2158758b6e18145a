"""Alarms API: `POST /api/v1/alarms/device-alarms` for phone apps and gateways (a device token, not a
staff account), and read-only incidents for staff (`/api/v1/alarms/incidents/`)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yanglao.core import ratelimit
from yanglao.core.api.auth import client_ip
from yanglao.core.errors import AuthenticationFailed, Forbidden, RateLimited, ValidationFailed
from yanglao.core.scope import restrict

from . import mqtt, services
from .choices import AlarmKind, Channel
from .models import Incident

# A device may send 30 alarms a minute (a frightened person presses again and again); a client address
# 20 bad tokens in 10 minutes.
DEVICE_LIMIT, DEVICE_WINDOW = 30, 60
BAD_TOKEN_LIMIT, BAD_TOKEN_WINDOW = 20, 600


class DeviceAlarmRequest(serializers.Serializer):
    id = serializers.CharField(max_length=mqtt.MAX_MESSAGE_ID, help_text="设备生成的消息编号：同一编号重复发送只记一次")
    type = serializers.ChoiceField(choices=AlarmKind.choices, required=False, help_text="报警类型，缺省按设备类型")
    at = serializers.DateTimeField(required=False, help_text="设备报警时间（ISO 8601）")


class DeviceAlarmResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["new", "duplicate"])
    alarm = serializers.IntegerField()
    incident = serializers.IntegerField()


class DeviceAlarmView(APIView):
    """A phone app or gateway reports an alarm with its device token: `Authorization: Device <token>`."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=DeviceAlarmRequest, responses={201: DeviceAlarmResponse, 200: DeviceAlarmResponse}, auth=[],
                   parameters=[OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, required=True,
                                                description="Device <设备接入令牌>")])
    def post(self, request: Request) -> Response:
        ip = client_ip(request) or "-"
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = header.partition(" ")
        if ratelimit.peek("alarm-bad-token", ip, limit=BAD_TOKEN_LIMIT, window_seconds=BAD_TOKEN_WINDOW).count >= BAD_TOKEN_LIMIT:
            raise RateLimited("设备令牌错误次数过多，请稍后再试")
        device = services.device_for_token(token.strip()) if scheme == "Device" else None
        if device is None:
            ratelimit.hit("alarm-bad-token", ip, limit=BAD_TOKEN_LIMIT, window_seconds=BAD_TOKEN_WINDOW)
            raise AuthenticationFailed("设备令牌无效或设备已停用", code="device_token_invalid")
        if not ratelimit.hit("alarm-device", device.code, limit=DEVICE_LIMIT, window_seconds=DEVICE_WINDOW).allowed:
            raise RateLimited("该设备报警过于频繁，请稍后再试")
        form = DeviceAlarmRequest(data=request.data)
        form.is_valid(raise_exception=True)
        message_id = form.validated_data["id"].strip()
        if not message_id:
            raise ValidationFailed("消息编号不能为空", details={"id": "消息编号不能为空"})
        result = services.ingest([services.Incoming(device.code, message_id, Channel.HTTP, form.validated_data.get("type"),
                                                    form.validated_data.get("at"))])[0]
        services.escalate_overdue()  # without a broker there is no subscriber to do it
        return Response({"status": result.status, "alarm": result.alarm_id, "incident": result.incident_id},
                        status=201 if result.status == "new" else 200)


class IncidentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    state_name = serializers.CharField(source="get_state_display", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "number", "kind", "kind_name", "emergency", "state", "state_name", "person", "person_name",
                  "division_code", "opened_at", "alarm_count", "escalated_at", "acknowledged_at", "dispatched_at",
                  "responder_kind", "responder_name", "arrived_at", "closed_at", "outcome", "followed_up_at"]


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents in the caller's jurisdiction, newest first (the duty console's data)."""

    serializer_class = IncidentSerializer

    def get_queryset(self) -> Any:
        if not self.request.user.can("alarms.view"):
            raise Forbidden()
        return restrict(Incident.objects.select_related("person"), self.request.user).order_by("-opened_at", "-pk")


def register(router: Any) -> None:
    router.register("alarms/incidents", IncidentViewSet, basename="alarm-incident")


urlpatterns = [path("alarms/device-alarms", DeviceAlarmView.as_view(), name="alarm-device-alarms")]
