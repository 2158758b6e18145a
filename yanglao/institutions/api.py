"""Institutions API: /api/v1/institutions/ (+ beds, star ratings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.lengths import lengths_from
from yanglao.core.errors import Forbidden, NotFound
from yanglao.core.params import code_param
from yanglao.core.scope import restrict

from . import selectors, services
from .choices import BedType, Ownership
from .models import Bed, Institution, InstitutionChangeRequest, StarRating


class StarSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(read_only=True)

    class Meta:
        model = StarRating
        fields = ["id", "rated_on", "valid_until", "environment", "facilities", "operations", "service", "total", "level",
                  "level_name", "document_no"]


class InstitutionSerializer(serializers.ModelSerializer):
    ownership_name = serializers.CharField(source="get_ownership_display", read_only=True)
    star = serializers.SerializerMethodField()
    beds = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["id", "name", "ownership", "ownership_name", "operator", "credit_code", "licence_kind", "licence_no",
                  "licence_date", "licence_valid_until", "division_code", "address", "latitude", "longitude", "capacity",
                  "has_medical_unit", "medical_insurance_designated", "is_tekun_home", "mainly_disabled_tekun",
                  "fire_safety", "fire_safety_date", "accepts_public_admission", "phone", "star", "beds", "version"]
        read_only_fields = ["operator", "version"]

    def get_star(self, obj: Institution) -> dict[str, Any] | None:
        star = selectors.current_star(obj)
        return StarSerializer(star).data if star else None

    def get_beds(self, obj: Institution) -> dict[str, int]:
        beds = list(obj.beds.values_list("bed_type", "status"))
        return {"total": len(beds), "nursing": sum(1 for t, _s in beds if t == BedType.NURSING),
                "occupied": sum(1 for _t, s in beds if s == "occupied"), "vacant": sum(1 for _t, s in beds if s == "vacant")}


class BedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bed
        fields = ["id", "institution", "building", "floor", "room", "number", "bed_type", "status"]


class BedsAddSerializer(serializers.Serializer):
    building = serializers.CharField(max_length=32)
    floor = serializers.CharField(max_length=8)
    rooms = serializers.ListField(child=serializers.CharField(max_length=16), min_length=1)
    beds_per_room = serializers.IntegerField(min_value=1, max_value=12)
    bed_type = serializers.ChoiceField(choices=BedType.choices)


@lengths_from(StarRating)
class StarSheetSerializer(serializers.Serializer):
    environment = serializers.IntegerField()
    facilities = serializers.IntegerField()
    operations = serializers.IntegerField()
    service = serializers.IntegerField()
    rated_on = serializers.DateField()
    document_no = serializers.CharField(required=False, allow_blank=True)


class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstitutionSerializer
    filterset_fields = ["ownership", "is_tekun_home", "accepts_public_admission"]

    def get_queryset(self) -> Any:
        qs = selectors.institutions_for(self.request.user).order_by("pk")
        division = code_param(self.request.query_params, "division")
        return qs.filter(division_code__startswith=division) if division else qs

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("institutions.view"):
            raise Forbidden()

    def create(self, request: Request) -> Response:
        form = InstitutionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = {k: v for k, v in form.validated_data.items()}
        inst = services.institution_create(by=request.user, data=data)
        return Response(InstitutionSerializer(inst).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        inst = self.get_object()
        form = InstitutionSerializer(inst, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        inst = services.institution_update(by=request.user, institution=inst, data=dict(form.validated_data))
        return Response(InstitutionSerializer(inst).data)

    @extend_schema(methods=["GET"], responses={200: BedSerializer(many=True)})
    @extend_schema(methods=["POST"], request=BedsAddSerializer, responses={201: BedSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])  # a plain list
    def beds(self, request: Request, pk: str | None = None) -> Response:
        inst = self.get_object()
        if request.method == "POST":
            form = BedsAddSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            created = services.beds_add(by=request.user, institution=inst, **form.validated_data)
            return Response(BedSerializer(created, many=True).data, status=status.HTTP_201_CREATED)
        return Response(BedSerializer(restrict(inst.beds.all(), request.user), many=True).data)

    @extend_schema(request=StarSheetSerializer, responses={201: StarSerializer})
    @action(detail=True, methods=["post"])
    def stars(self, request: Request, pk: str | None = None) -> Response:
        inst = self.get_object()
        raw = request.data if isinstance(request.data, dict) else {}
        form = StarSheetSerializer(data=raw)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        rating = services.star_rate(by=request.user, institution=inst, rated_on=data.pop("rated_on"),
                                    document_no=data.pop("document_no", ""), scores=data)
        return Response(StarSerializer(rating).data, status=status.HTTP_201_CREATED)


class ChangeRequestSerializer(serializers.ModelSerializer):
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = InstitutionChangeRequest
        fields = ["id", "institution", "proposed", "previous", "reason", "status", "status_name", "requested_by",
                  "decided_by", "decided_at", "decision_note", "created_at"]
        read_only_fields = fields


class ChangeRequestCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    proposed = serializers.DictField(help_text="要变更的申报信息，如 {\"capacity\": 120, \"phone\": \"0662-3000000\"}")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ChangeRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Operators propose changes to their institution's declared facts; county staff approve or reject."""

    serializer_class = ChangeRequestSerializer

    def get_queryset(self) -> Any:
        return services.change_requests_for(self.request.user).order_by("-pk")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("institutions.view"):
            raise Forbidden()

    @extend_schema(request=ChangeRequestCreateSerializer, responses={201: ChangeRequestSerializer})
    def create(self, request: Request) -> Response:
        form = ChangeRequestCreateSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        inst = restrict(Institution.objects.all(), request.user).filter(pk=form.validated_data["institution"]).first()
        if inst is None:
            raise NotFound("机构不存在或不在您的管辖范围内")
        fields = InstitutionSerializer(inst, data=form.validated_data["proposed"], partial=True)
        fields.is_valid(raise_exception=True)
        proposed = {k: v for k, v in fields.validated_data.items() if k in form.validated_data["proposed"]}
        change = services.change_request_create(by=request.user, institution=inst, data=proposed,
                                                reason=form.validated_data.get("reason", ""))
        return Response(ChangeRequestSerializer(change).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, approve: bool) -> Response:
        change = self.get_object()
        form = DecisionSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        change = services.change_request_decide(by=request.user, request=change, approve=approve,
                                                note=form.validated_data.get("note", ""))
        return Response(ChangeRequestSerializer(change).data)

    @extend_schema(request=DecisionSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)


def register(router: Any) -> None:
    router.register("institutions", InstitutionViewSet, basename="institution")
    router.register("institution-change-requests", ChangeRequestViewSet, basename="institution-change-request")


__all__ = ["Ownership", "register"]
