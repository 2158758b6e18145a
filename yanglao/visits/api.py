"""Visits API: the worker's list (`/api/v1/visits/mine/`), the plan rows (`/api/v1/visits/visits/`) with
`record` and `missed` actions, and the records (`/api/v1/visits/records/`, audited: health data)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.audited import AuditedViewsMixin
from yanglao.core.api.lengths import lengths_from
from yanglao.core.errors import Forbidden
from yanglao.core.params import choice_param, month_param
from yanglao.core.scope import get_scoped_or_404

from . import selectors, services
from .models import MissedReason, ReferralKind, Risk, Visit, VisitMethod, VisitRecord, VisitStatus


class VisitSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    address = serializers.CharField(source="person.address", read_only=True)
    phone_masked = serializers.CharField(source="person.phone_masked", read_only=True)
    visitor_name = serializers.CharField(source="visitor.name", read_only=True, default=None)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "person", "person_name", "address", "phone_masked", "month", "seq", "kind", "tier_name",
                  "due_date", "due_by", "visitor", "visitor_name", "status", "status_name", "missed_reason",
                  "missed_note", "division_code"]


@lengths_from(VisitRecord)
class RecordCreateSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=VisitMethod.choices)
    visited_at = serializers.DateTimeField()
    health = serializers.CharField(required=False, allow_blank=True)
    economic = serializers.CharField(required=False, allow_blank=True)
    safety = serializers.CharField(required=False, allow_blank=True)
    living_conditions = serializers.CharField(required=False, allow_blank=True)
    needs = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.ListField(child=serializers.ChoiceField(choices=Risk.choices), required=False)
    referral_kind = serializers.ChoiceField(choices=ReferralKind.choices, required=False, allow_blank=True)
    referral_description = serializers.CharField(required=False, allow_blank=True, max_length=300)


class MissedSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=MissedReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class RecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = VisitRecord
        fields = ["id", "visit", "person", "person_name", "visitor", "method", "visited_at", "health", "economic",
                  "safety", "living_conditions", "needs", "risks", "division_code"]


class _Base(viewsets.GenericViewSet):
    capability = "visits.view"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can(self.capability):
            raise Forbidden()


class MineViewSet(mixins.ListModelMixin, _Base):
    """The signed-in worker's open visits: this month's and anything overdue, soonest first."""

    capability = "visits.record"
    serializer_class = VisitSerializer

    def get_queryset(self) -> Any:
        return selectors.worker_list(self.request.user)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Plan rows in the caller's jurisdiction; `?month=YYYY-MM`, `?status=planned|done|missed`."""

    serializer_class = VisitSerializer

    def get_queryset(self) -> Any:
        qs = selectors.visits_for(self.request.user).select_related("person", "visitor")
        month = month_param(self.request.query_params, "month")
        if month:
            qs = qs.filter(month=month)
        state = choice_param(self.request.query_params, "status", VisitStatus.values)
        if state:
            qs = qs.filter(status=state)
        return qs.order_by("due_date", "id")

    @extend_schema(request=RecordCreateSerializer, responses={201: RecordSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record the visit (a second record of the same visit answers 409)."""
        if not request.user.can("visits.record"):
            raise Forbidden()
        visit = get_scoped_or_404(Visit.objects.all(), request.user, pk=pk)
        form = RecordCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rec = services.visit_record(by=request.user, visit=visit, data=form.validated_data)
        return Response(RecordSerializer(rec).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MissedSerializer, responses={200: VisitSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def missed(self, request: Request, pk: str | None = None) -> Response:
        if not request.user.can("visits.record"):
            raise Forbidden()
        visit = get_scoped_or_404(Visit.objects.all(), request.user, pk=pk)
        form = MissedSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        visit = services.visit_missed(by=request.user, visit=visit, reason=form.validated_data["reason"],
                                      note=form.validated_data.get("note", ""))
        return Response(VisitSerializer(visit).data)


class RecordViewSet(AuditedViewsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Visit records (health, economic and safety situation: every page and record read is audited)."""

    serializer_class = RecordSerializer
    audit_list_fields = ["health", "economic", "safety", "living_conditions", "needs", "risks"]

    def get_queryset(self) -> Any:
        from yanglao.core.scope import restrict

        return restrict(VisitRecord.objects.select_related("person"), self.request.user).order_by("-visited_at", "-id")


def register(router: Any) -> None:
    router.register("visits/mine", MineViewSet, basename="visits-mine")
    router.register("visits/visits", VisitViewSet, basename="visits-visit")
    router.register("visits/records", RecordViewSet, basename="visits-record")
