"""Funding API under /api/v1/funding/: budgets, spending (list, read, create), lottery-fund totals and the
lottery-fund share per level and year; every list cut to the caller's jurisdiction."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.params import int_param

from . import selectors, services
from .models import Budget, LotteryFund, Spending


class BudgetSerializer(serializers.ModelSerializer):
    level_name = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = ["id", "year", "division_code", "level_name", "source", "purpose", "amount", "document_no", "note"]
        read_only_fields = fields

    def get_level_name(self, obj: Budget) -> str:
        return selectors.level_name(obj.division_code)


class SpendingSerializer(serializers.ModelSerializer):
    level_name = serializers.SerializerMethodField()

    class Meta:
        model = Spending
        fields = ["id", "year", "paid_on", "voucher_no", "division_code", "level_name", "source", "purpose", "amount",
                  "payee", "summary", "document_no", "imported"]
        read_only_fields = fields

    def get_level_name(self, obj: Spending) -> str:
        return selectors.level_name(obj.division_code)


class SpendingCreateSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    voucher_no = serializers.CharField(max_length=64)
    division_code = serializers.CharField(max_length=12, help_text="级次：市本级 4417 或县（市、区）6 位代码")
    source = serializers.CharField(max_length=16, help_text="资金来源字典代码，如 lottery")
    purpose = serializers.CharField(max_length=16, help_text="支出用途字典代码，如 institution")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    payee = serializers.CharField(max_length=128)
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    document_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class LotterySerializer(serializers.ModelSerializer):
    level_name = serializers.SerializerMethodField()

    class Meta:
        model = LotteryFund
        fields = ["id", "year", "division_code", "level_name", "received", "document_no", "note"]
        read_only_fields = fields

    def get_level_name(self, obj: LotteryFund) -> str:
        return selectors.level_name(obj.division_code)


class ShareSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    division_code = serializers.CharField()
    level_name = serializers.CharField()
    is_total = serializers.BooleanField(help_text="全市合计行（市本级与各县合计）")
    lottery_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    spent_elderly = serializers.DecimalField(max_digits=14, decimal_places=2)
    share_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    meets_floor = serializers.BooleanField(allow_null=True, help_text="2021年起不低于55%；无数据或2021年前为空")
    status = serializers.CharField(help_text="年度状态：open 填报中、submitted 已报送、approved 已审定、returned 已退回")


class _Base(viewsets.GenericViewSet):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("funding.view"):
            raise Forbidden()

    def _year(self, qs: Any) -> Any:
        year = int_param(self.request.query_params, "year", minimum=2000, maximum=2100)
        return qs.filter(year=year) if year else qs


YEAR = OpenApiParameter("year", int, description="年度")


class BudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = Budget.objects.none()
    serializer_class = BudgetSerializer

    def get_queryset(self) -> Any:
        return self._year(selectors.budgets_for(self.request.user)).order_by("-year", "division_code", "pk")

    @extend_schema(parameters=[YEAR])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class SpendingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = Spending.objects.none()
    serializer_class = SpendingSerializer

    def get_queryset(self) -> Any:
        return self._year(selectors.spendings_for(self.request.user)).order_by("-paid_on", "-pk")

    @extend_schema(parameters=[YEAR])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SpendingCreateSerializer, responses={201: SpendingSerializer})
    def create(self, request: Request) -> Response:
        if not request.user.can("funding.manage"):
            raise Forbidden()
        form = SpendingCreateSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        saved = services.spending_save(by=request.user, data=dict(form.validated_data))
        return Response(SpendingSerializer(saved).data, status=status.HTTP_201_CREATED)


class LotteryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = LotteryFund.objects.none()
    serializer_class = LotterySerializer

    def get_queryset(self) -> Any:
        return self._year(selectors.lottery_for(self.request.user)).order_by("-year", "division_code")

    @extend_schema(parameters=[YEAR])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class ShareViewSet(_Base):
    """The lottery-fund share per level in the caller's jurisdiction (and 全市合计 for the city) for one year."""

    serializer_class = ShareSerializer
    pagination_class = None

    @extend_schema(parameters=[YEAR], responses={200: ShareSerializer(many=True)})
    def list(self, request: Request) -> Response:
        year = int_param(request.query_params, "year", minimum=2000, maximum=2100) or timezone.localdate().year
        if year < 2000:
            raise ValidationFailed("年度不正确", details={"year": "年度不正确"})
        rows = []
        for row in selectors.share_table(request.user, years=[year]):
            c = row.cells[0]
            rows.append({"year": year, "division_code": row.code, "level_name": row.name, "is_total": row.is_total,
                         "lottery_total": c.received, "spent_elderly": c.spent, "share_percent": c.percent,
                         "meets_floor": None if c.colour == "none" else c.colour == "green", "status": c.status})
        return Response(ShareSerializer(rows, many=True).data)


def register(router: Any) -> None:
    router.register("funding/budgets", BudgetViewSet, basename="funding-budget")
    router.register("funding/spending", SpendingViewSet, basename="funding-spending")
    router.register("funding/lottery", LotteryViewSet, basename="funding-lottery")
    router.register("funding/shares", ShareViewSet, basename="funding-share")
