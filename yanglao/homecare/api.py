"""Home-care API: /api/v1/homecare/orders/ (scoped, every list page and record audited) with the order's
actions, and the published catalogue. Provider accounts see only their own orders."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.audited import AuditedViewsMixin
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.params import code_param
from yanglao.people.models import Person

from . import selectors, services
from .choices import OrderStatus
from .models import ServiceItem, ServiceOrder


class ItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "code", "name", "kind", "unit", "unit_name", "price_fen", "content", "valid_from", "valid_to",
                  "published", "document_no"]


class OrderSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True, default=None)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ServiceOrder
        fields = ["id", "person", "person_name", "item", "item_name", "source", "service_date", "quantity",
                  "request_note", "status", "status_name", "provider", "provider_name", "carer", "dispatched_at",
                  "accepted_at", "unit_price_fen", "amount_fen", "subsidy_fen", "own_fen", "programme", "check_in_at",
                  "check_in_distance_m", "check_in_flagged", "check_out_at", "work_done", "completed_at", "rating",
                  "rating_comment", "rated_by", "division_code"]
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    item = serializers.IntegerField()
    service_date = serializers.DateField()
    quantity = serializers.IntegerField(min_value=1, max_value=24, default=1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):
    provider = serializers.IntegerField(required=False, allow_null=True, help_text="留空则自动派单")


class LocationSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    work_done = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    rated_by = serializers.CharField(max_length=32)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class _Base(viewsets.GenericViewSet):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("homecare.view"):
            raise Forbidden()


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """The service catalogue (published items; configuring staff see drafts too)."""

    queryset = ServiceItem.objects.none()
    serializer_class = ItemSerializer

    def get_queryset(self) -> Any:
        qs = selectors.items_for(self.request.user).order_by("code")
        return qs if self.request.user.can("homecare.configure") else qs.filter(published=True)


class OrderViewSet(AuditedViewsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = ServiceOrder.objects.none()
    serializer_class = OrderSerializer
    audit_list_fields = ["person", "service_date", "check_in_at", "rating"]

    def get_queryset(self) -> Any:
        qs = selectors.orders_for(self.request.user).order_by("-service_date", "-pk")
        params = self.request.query_params
        status_ = params.get("status")
        if status_:
            if status_ not in OrderStatus.values:
                raise ValidationFailed("状态无效", details={"status": "状态无效"})
            qs = qs.filter(status=status_)
        division = code_param(params, "division")
        return qs.filter(division_code__startswith=division) if division else qs

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=OrderStatus.values),
                               OpenApiParameter("division", str, description="区划代码前缀")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _one(self) -> ServiceOrder:
        return self.get_object()

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def create(self, request: Request) -> Response:
        form = OrderCreateSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        d = form.validated_data
        person = Person.objects.restrict(request.user).filter(pk=d["person"]).first()
        if person is None:
            raise ValidationFailed("档案不存在或不在您的管辖范围内", details={"person": "不存在或不在管辖范围内"})
        item = ServiceItem.objects.filter(pk=d["item"]).first()
        if item is None:
            raise ValidationFailed("服务项目不存在", details={"item": "服务项目不存在"})
        order = services.order_create(by=request.user, person=person, item=item, service_date=d["service_date"],
                                      quantity=d["quantity"], note=d["note"])
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DispatchSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request: Request, pk: str | None = None) -> Response:
        form = DispatchSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        provider = None
        if form.validated_data.get("provider"):
            provider = selectors.providers_for(request.user).filter(pk=form.validated_data["provider"]).first()
            if provider is None:
                raise ValidationFailed("服务商不存在或不在您的管辖范围内", details={"provider": "服务商不存在"})
        order = services.order_dispatch(by=request.user, order=self._one(), provider=provider)
        return Response(OrderSerializer(order).data)

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return Response(OrderSerializer(services.order_accept(by=request.user, order=self._one())).data)

    @extend_schema(request=LocationSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        form = LocationSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        order = services.order_check_in(by=request.user, order=self._one(), latitude=form.validated_data["latitude"],
                                        longitude=form.validated_data["longitude"])
        return Response(OrderSerializer(order).data)

    @extend_schema(request=LocationSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str | None = None) -> Response:
        form = LocationSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        d = form.validated_data
        order = services.order_check_out(by=request.user, order=self._one(), latitude=d["latitude"],
                                         longitude=d["longitude"], work_done=d["work_done"])
        return Response(OrderSerializer(order).data)

    @extend_schema(request=RateSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        form = RateSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        d = form.validated_data
        order = services.order_rate(by=request.user, order=self._one(), rating=d["rating"], comment=d["comment"],
                                    rated_by=d["rated_by"])
        return Response(OrderSerializer(order).data)


def register(router: Any) -> None:
    router.register("homecare/items", ItemViewSet, basename="homecare-item")
    router.register("homecare/orders", OrderViewSet, basename="homecare-order")
