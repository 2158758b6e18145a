"""Benefits API under /api/v1/benefits/: programmes (with rules and bands), runs (preview, approve,
lines, reconcile), payment lines, enrolments, suspensions and bank accounts (masked; reveal audited)."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.audited import AuditedViewsMixin
from yanglao.core.api.lengths import lengths_from
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.params import MAX_YEAR, MIN_YEAR, id_param, month_param
from yanglao.people.models import Person

from . import payfiles, selectors, services
from .choices import BandBasis, EnrolmentMode, ProgrammeKind, ReferenceDay, SuspensionReason
from .models import (
    AmountBand,
    BankAccount,
    EligibilityRule,
    Enrolment,
    Entitlement,
    PaymentRun,
    Programme,
    Suspension,
)
from .months import parse_month


@extend_schema_field(OpenApiTypes.STR)
class MonthField(serializers.Field):
    """A month as \"YYYY-MM\"."""

    def to_representation(self, value: Any) -> str:
        return f"{value:%Y-%m}"

    def to_internal_value(self, data: Any) -> Any:
        try:
            month = parse_month(str(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if not MIN_YEAR <= month.year <= MAX_YEAR:
            raise serializers.ValidationError(f"月份应在 {MIN_YEAR}–{MAX_YEAR} 年之间")
        return month


class BandSerializer(serializers.ModelSerializer):
    class Meta:
        model = AmountBand
        fields = ["id", "label", "key_min", "key_max", "amount", "valid_from", "valid_to", "document_no"]


def _codes(known: set[str]) -> serializers.ListField:
    """A rule list: a JSON array of known codes (not an object, a number or a list of objects)."""
    return serializers.ListField(child=serializers.ChoiceField(choices=sorted(known)), required=False,
                                 max_length=len(known))


class RuleSerializer(serializers.ModelSerializer):
    required_categories = _codes(services.KNOWN_CATEGORIES)
    excluded_categories = _codes(services.KNOWN_CATEGORIES)
    excluded_categories_in_institution = _codes(services.KNOWN_CATEGORIES)
    excluded_living_situations = _codes(services.LIVING)

    class Meta:
        model = EligibilityRule
        fields = ["id", "valid_from", "valid_to", "min_age", "max_age", "required_categories", "excluded_categories",
                  "excluded_categories_in_institution", "excluded_living_situations", "min_care_level",
                  "max_care_level", "residence_prefix", "document_no", "note"]


class ProgrammeSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, read_only=True)
    bands = BandSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "kind", "legal_basis", "issuing_unit", "description", "status", "is_demo",
                  "band_basis", "reference_day", "enrolment_mode", "back_pay_months", "payment_summary", "rules",
                  "bands"]


@lengths_from(Programme)
class ProgrammeCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProgrammeKind.choices)
    legal_basis = serializers.CharField()
    issuing_unit = serializers.CharField(required=False, allow_blank=True)
    band_basis = serializers.ChoiceField(choices=BandBasis.choices, default=BandBasis.AGE)
    reference_day = serializers.ChoiceField(choices=ReferenceDay.choices, default=ReferenceDay.FIRST)
    enrolment_mode = serializers.ChoiceField(choices=EnrolmentMode.choices, default=EnrolmentMode.AUTO)
    payment_summary = serializers.CharField(required=False, allow_blank=True)


class RunSerializer(serializers.ModelSerializer):
    month = MonthField()
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    scope = serializers.SerializerMethodField(help_text="调用者管辖范围小于批次范围时为其区划代码，此时各项数字仅为该范围")

    class Meta:
        model = PaymentRun
        fields = ["id", "programme", "programme_name", "month", "status", "status_name", "progress", "step", "message",
                  "prepared_by", "prepared_at", "approved_by", "approved_at", "paid_at", "reconciled_at", "seconds",
                  "line_count", "people_count", "total_amount", "new_count", "changed_count", "stopped_count",
                  "back_pay_count", "carried_count", "adjustment_count", "no_account_count", "paid_count",
                  "paid_amount", "failed_count", "failed_amount", "scope"]
        read_only_fields = fields
        # Figures kept only for the whole run: null for a caller whose jurisdiction is smaller (see below).
        extra_kwargs = {key: {"allow_null": True} for key in ("adjustment_count", "no_account_count", "paid_count",
                                                               "paid_amount", "failed_count", "failed_amount")}

    def get_scope(self, run: PaymentRun) -> str | None:
        return None

    def to_representation(self, run: PaymentRun) -> dict[str, Any]:
        """A user whose jurisdiction is smaller than the run's area gets the run's figures for their
        area only (from the per-township summaries); figures kept only for the whole run are withheld."""
        data = super().to_representation(run)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        prefix = getattr(user, "scope_prefix", None) or ""
        if user is None or (prefix and run.division_code.startswith(prefix)):
            return data
        total, _counties = selectors.run_breakdown(user, run)
        data.update({"line_count": total.lines, "people_count": total.people, "total_amount": f"{total.amount:.2f}",
                     "new_count": total.new, "changed_count": total.changed, "stopped_count": total.stopped,
                     "back_pay_count": total.back_pay, "carried_count": total.carried})
        for key in ("adjustment_count", "no_account_count", "paid_count", "paid_amount", "failed_count", "failed_amount"):
            data[key] = None
        data["scope"] = prefix
        return data


class LineSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.CharField(source="person.id_number_masked", read_only=True)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Entitlement
        fields = ["id", "run", "programme", "person", "person_name", "id_number", "month", "kind", "reason", "amount",
                  "previous_amount", "band_label", "note", "division_code", "carried_from", "corrects", "outcome"]

    def get_outcome(self, obj: Entitlement) -> dict[str, str] | None:
        result = getattr(obj, "result", None) if hasattr(obj, "result") else None
        return {"outcome": result.outcome, "reason": result.reason} if result else None


class EnrolmentSerializer(serializers.ModelSerializer):
    from_month = MonthField()
    to_month = MonthField(read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "person", "person_name", "programme", "source", "status", "from_month", "to_month",
                  "applied_by", "approved_by", "approved_at", "note", "division_code"]
        read_only_fields = ["source", "status", "applied_by", "approved_by", "approved_at", "division_code"]


class SuspensionSerializer(serializers.ModelSerializer):
    from_month = MonthField()
    to_month = MonthField(read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    reason = serializers.ChoiceField(choices=SuspensionReason.choices)

    class Meta:
        model = Suspension
        fields = ["id", "person", "person_name", "programme", "reason", "note", "from_month", "to_month",
                  "created_by", "resumed_by", "division_code"]
        read_only_fields = ["created_by", "resumed_by", "division_code"]


class BankAccountSerializer(serializers.ModelSerializer):
    account_no = serializers.CharField(source="account_no_masked", read_only=True)

    class Meta:
        model = BankAccount
        fields = ["id", "person", "bank_name", "account_no", "holder_name", "division_code", "updated_at"]


class _Base(viewsets.GenericViewSet):
    capability = "benefits.view"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can(self.capability):
            raise Forbidden()


def _person(user: Any, pk: Any) -> Person:
    person = Person.objects.restrict(user).filter(pk=pk).first()
    if person is None:
        raise ValidationFailed("档案不存在或不在您的管辖范围内", details={"person": "不存在或不在管辖范围内"})
    return person


class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = Programme.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = ProgrammeSerializer

    def get_queryset(self) -> Any:
        return selectors.programmes_for(self.request.user).prefetch_related("rules", "bands")

    @extend_schema(request=ProgrammeCreateSerializer, responses={201: ProgrammeSerializer})
    def create(self, request: Request) -> Response:
        form = ProgrammeCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        p = services.programme_create(by=request.user, **form.validated_data)
        return Response(ProgrammeSerializer(p).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BandSerializer, responses={201: BandSerializer})
    @action(detail=True, methods=["post"])
    def bands(self, request: Request, pk: str | None = None) -> Response:
        """Add an amount band; an overlapping band is refused (400) and nothing is saved."""
        form = BandSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        band = services.band_add(by=request.user, programme=self.get_object(), **form.validated_data)
        return Response(BandSerializer(band).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleSerializer, responses={201: RuleSerializer})
    @action(detail=True, methods=["post"])
    def rules(self, request: Request, pk: str | None = None) -> Response:
        form = RuleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rule = services.rule_add(by=request.user, programme=self.get_object(), **form.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RunCreateSerializer(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    month = MonthField()


class MarkPaidSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="确认已将本批次代发文件提交银行（须为 true）")


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Runs are city-wide batches; their lines (`/lines/`) are cut to the caller's jurisdiction."""

    queryset = PaymentRun.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = RunSerializer

    def get_queryset(self) -> Any:
        qs = selectors.runs_for(self.request.user)
        programme = id_param(self.request.query_params, "programme")
        return qs.filter(programme_id=programme) if programme else qs

    @extend_schema(request=RunCreateSerializer, responses={202: RunSerializer})
    def create(self, request: Request) -> Response:
        """Queue the preview of a programme's month (re-queue an unapproved one)."""
        form = RunCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        run = services.run_preview(by=request.user, **form.validated_data)
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: RunSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return Response(RunSerializer(services.run_approve(by=request.user, run=self.get_object())).data)

    @extend_schema(request=MarkPaidSerializer, responses={200: RunSerializer})
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request: Request, pk: str | None = None) -> Response:
        """Record that the approved run's payment file went to the bank (已发放); `confirm` must be true."""
        form = MarkPaidSerializer(data=request.data if isinstance(request.data, dict) else {})
        form.is_valid(raise_exception=True)
        run = payfiles.run_mark_paid(by=request.user, run=self.get_object(), confirmed=form.validated_data["confirm"])
        return Response(RunSerializer(run).data)

    @extend_schema(responses={200: LineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def lines(self, request: Request, pk: str | None = None) -> Response:
        qs = selectors.lines_for(request.user).filter(run=self.get_object()).select_related("result").order_by("id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(LineSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string",
                                                                                               "format": "binary"}}}},
                   responses={200: RunSerializer})
    @action(detail=True, methods=["post"])
    def reconcile(self, request: Request, pk: str | None = None) -> Response:
        """Import the bank's results: all lines or none (400 with details.errors = [{row, column, reason}])."""
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("请上传发放结果文件", details={"file": "必填"})
        run = self.get_object()
        from yanglao.core.uploads import read_uploaded  # refused by size before it is read into memory

        payfiles.reconcile_import(by=request.user, run=run, filename=upload.name,
                                  content=read_uploaded(upload, kind="reconciliation"))
        run.refresh_from_db()
        return Response(RunSerializer(run).data)


class LineViewSet(AuditedViewsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Payment lines in the caller's jurisdiction; filter with ?person=, ?run=, ?programme=, ?month=YYYY-MM."""

    audit_list_fields: ClassVar[list[str]] = ["person", "amount", "month"]

    queryset = Entitlement.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = LineSerializer

    def get_queryset(self) -> Any:
        qs = selectors.lines_for(self.request.user).select_related("result").order_by("-month", "id")
        p = self.request.query_params
        for key in ("person", "run", "programme"):
            value = id_param(p, key)
            if value:
                qs = qs.filter(**{f"{key}_id": value})
        month = month_param(p, "month")
        if month:
            qs = qs.filter(month=month)
        return qs


class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = Enrolment.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = EnrolmentSerializer

    def get_queryset(self) -> Any:
        return selectors.enrolments_for(self.request.user).order_by("-id")

    def create(self, request: Request) -> Response:
        form = EnrolmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        e = services.enrolment_apply(by=request.user, person=_person(request.user, d["person"].pk),
                                     programme=d["programme"], from_month=d["from_month"], note=d.get("note", ""))
        return Response(EnrolmentSerializer(e).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        e = services.enrolment_decide(by=request.user, enrolment=self.get_object(), approve=True)
        return Response(EnrolmentSerializer(e).data)

    @extend_schema(request=None, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        e = services.enrolment_decide(by=request.user, enrolment=self.get_object(), approve=False)
        return Response(EnrolmentSerializer(e).data)


@lengths_from(Suspension, note="resume_note")
class ResumeSerializer(serializers.Serializer):
    from_month = MonthField()
    note = serializers.CharField(required=False, allow_blank=True)


class SuspensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    queryset = Suspension.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = SuspensionSerializer

    def get_queryset(self) -> Any:
        return selectors.suspensions_for(self.request.user).order_by("-id")

    def create(self, request: Request) -> Response:
        form = SuspensionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        s = services.suspension_create(by=request.user, person=_person(request.user, d["person"].pk),
                                       programme=d["programme"], reason=d["reason"], from_month=d["from_month"],
                                       note=d.get("note", ""))
        return Response(SuspensionSerializer(s).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResumeSerializer, responses={200: SuspensionSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        form = ResumeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        s = services.suspension_resume(by=request.user, suspension=self.get_object(), **form.validated_data)
        return Response(SuspensionSerializer(s).data)


class BankAccountViewSet(AuditedViewsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Account numbers are masked; POST …/reveal/ shows one in full and is recorded in the audit log."""

    audit_list_fields: ClassVar[list[str]] = ["account_no(masked)", "holder_name"]

    queryset = BankAccount.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = BankAccountSerializer

    def get_queryset(self) -> Any:
        qs = selectors.bank_accounts_for(self.request.user).order_by("id")
        person = id_param(self.request.query_params, "person")
        return qs.filter(person_id=person) if person else qs

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        number = services.bank_account_reveal(by=request.user, account=self.get_object(),
                                              reason=str(request.data.get("reason", "")))
        return Response({"account_no": number})


def register(router: Any) -> None:
    router.register("benefits/programmes", ProgrammeViewSet, basename="benefits-programme")
    router.register("benefits/runs", RunViewSet, basename="benefits-run")
    router.register("benefits/lines", LineViewSet, basename="benefits-line")
    router.register("benefits/enrolments", EnrolmentViewSet, basename="benefits-enrolment")
    router.register("benefits/suspensions", SuspensionViewSet, basename="benefits-suspension")
    router.register("benefits/bank-accounts", BankAccountViewSet, basename="benefits-bank-account")

