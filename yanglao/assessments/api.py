"""Assessments API under /api/v1/assessments/: scoring, the workflow, the care level, the report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yanglao.core.api.atomic import AnswerInsideTheWriteMixin
from yanglao.core.api.lengths import lengths_from
from yanglao.core.audit import audit_sensitive_list, audit_sensitive_view
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Organisation, User
from yanglao.core.params import code_param, date_param, id_param, text_param
from yanglao.core.scope import get_scoped_or_404
from yanglao.people.selectors import people_for

from . import report, selectors, services
from .choices import Reason, RequestedVia, Status
from .models import Assessment
from .scale import ITEM_CODES, RISK_EVENTS_BY_CODE
from .scoring import ScoringError, score

HEALTH_FIELDS = ["items", "coma", "diagnoses", "risk_events", "level"]


class ScoreInputSerializer(serializers.Serializer):
    items = serializers.DictField(child=serializers.IntegerField(), help_text="26 项评分：{\"B1.1\": 4, …}")
    coma = serializers.BooleanField(required=False, default=False)
    diagnoses = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                      help_text="ICD-10 编码，如 F01.1")
    risk_events_30d = serializers.ListField(child=serializers.ChoiceField(choices=list(RISK_EVENTS_BY_CODE)),
                                            required=False, default=list, help_text="近30天照护风险事件，每次一项")
    psychiatrist_diagnosed = serializers.BooleanField(required=False, default=True)


RULE = inline_serializer("RuleApplied", {
    "code": serializers.CharField(), "description": serializers.CharField(),
    "from_level": serializers.IntegerField(), "to_level": serializers.IntegerField(),
})
SCORE_RESULT = inline_serializer("ScoreResult", {
    "total": serializers.IntegerField(),
    "indicators": inline_serializer("Indicators", {k: serializers.IntegerField()
                                                   for k in ("self_care", "movement", "mental", "perception")}),
    "base_level": serializers.IntegerField(),
    "level": serializers.IntegerField(),
    "level_name": serializers.CharField(),
    "rules_applied": RULE.__class__(many=True),
})


class ScoreView(APIView):
    """Score an assessment without storing anything (GB/T 42195-2022 with the C.4 adjustments)."""

    @extend_schema(
        request=dict,
        responses={200: SCORE_RESULT},
        examples=[OpenApiExample("请求", request_only=True, value={
            "items": {code: 4 for code in ITEM_CODES} | {"B2.4": 3, "B3.7": 1, "B3.8": 1, "B3.9": 2, "B4.1": 2,
                                                         "B4.2": 2, "B4.4": 3},
            "coma": False, "diagnoses": ["F01.1"], "risk_events_30d": ["fall", "choking"]})],
        description="缺少项目、未知代码或分值超出范围时返回 400，details 逐项列出。",
    )
    def post(self, request: Request) -> Response:
        if not request.user.can("assessments.view"):
            raise Forbidden()
        body = request.data if isinstance(request.data, dict) else {}
        items = body.get("items")
        try:
            result = score(
                items if items is not None else {},
                coma=body.get("coma", False),
                diagnoses=body.get("diagnoses", []),
                risk_events_30d=body.get("risk_events_30d", []),
                psychiatrist_diagnosed=bool(body.get("psychiatrist_diagnosed", True)),
                policy=services.scoring_policy(),
            )
        except ScoringError as exc:
            raise ValidationFailed("评估数据有误", details=exc.errors) from exc
        return Response(result.as_dict())


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class AssessmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    reason_name = serializers.CharField(source="get_reason_display", read_only=True)
    level_label = serializers.CharField(read_only=True)
    assessor_1 = UserBriefSerializer(read_only=True, allow_null=True)
    assessor_2 = UserBriefSerializer(read_only=True, allow_null=True)
    reviewer = UserBriefSerializer(read_only=True, allow_null=True)
    risk_events_30d = serializers.ListField(source="risk_events", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "person", "person_name", "division_code", "scale", "status", "status_name", "reason",
                  "reason_name", "requested_via", "requesting_organisation", "request_note", "previous",
                  "assessor_1", "assessor_2", "scheduled_on", "place", "items", "coma", "diagnoses",
                  "psychiatrist_diagnosed", "risk_events_30d", "assessed_on", "submitted_at", "total",
                  "indicators", "base_level", "level", "level_label", "rules_applied", "reviewer", "reviewed_at",
                  "rejection_reason", "approved_at", "published_at", "valid_from", "valid_until", "mzt_level",
                  "source", "version", "updated_at"]


@lengths_from(Assessment, note="request_note")
class RequestSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Reason.choices, default=Reason.FIRST)
    requested_via = serializers.ChoiceField(choices=RequestedVia.choices, default=RequestedVia.STAFF)
    organisation = serializers.IntegerField(required=False, allow_null=True, help_text="养老机构提出申请时必填")
    note = serializers.CharField(required=False, allow_blank=True, default="")


@lengths_from(Assessment)
class ScheduleSerializer(serializers.Serializer):
    assessor_1 = serializers.IntegerField()
    assessor_2 = serializers.IntegerField()
    scheduled_on = serializers.DateField()
    place = serializers.CharField(required=False, allow_blank=True, default="")


class RecordSerializer(serializers.Serializer):
    items = serializers.DictField(child=serializers.IntegerField(allow_null=True), required=False, default=dict)
    coma = serializers.BooleanField(required=False, default=False)
    diagnoses = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list,
                                      max_length=50)
    psychiatrist_diagnosed = serializers.BooleanField(required=False, default=True)
    risk_events_30d = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list,
                                            max_length=50)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)  # the shorter of rejection_reason and cancelled_reason


class CareLevelSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    assessment_id = serializers.IntegerField()
    assessed_on = serializers.DateField()
    valid_until = serializers.DateField()


FILTERS = [
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("reason", str, enum=Reason.values),
    OpenApiParameter("scale", str, enum=["gbt42195", "mzt039"]),
    OpenApiParameter("division", str, description="区划代码前缀"),
    OpenApiParameter("person", int),
    OpenApiParameter("q", str, description="姓名（包含）"),
]


def _user(pk: Any, field: str) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ValidationFailed("派单信息有误", details={field: "账户不存在"})
    return user


class AssessmentViewSet(AnswerInsideTheWriteMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assessments the caller may see (assessors: only their assignments)."""

    serializer_class = AssessmentSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("assessments.view"):
            raise Forbidden()

    def get_queryset(self) -> Any:
        if self.action == "list":
            p = self.request.query_params
            return selectors.search_assessments(self.request.user, {
                "status": text_param(p, "status", max_length=20), "reason": text_param(p, "reason", max_length=20),
                "scale": text_param(p, "scale", max_length=20), "division": code_param(p, "division"),
                "q": text_param(p, "q"), "person": id_param(p, "person"),
            })
        return selectors.assessments_for(self.request.user).select_related(
            "person", "assessor_1", "assessor_2", "reviewer")

    def _respond(self, assessment: Assessment, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data, status=code)

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        audit_sensitive_list(Assessment, ids=[r["id"] for r in rows], fields=HEALTH_FIELDS,
                             division_code=request.user.scope_prefix or "")
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.get_object()
        audit_sensitive_view(assessment, fields=HEALTH_FIELDS)
        return Response(self.get_serializer(assessment).data)

    @extend_schema(request=RequestSerializer, responses={201: AssessmentSerializer})
    def create(self, request: Request) -> Response:
        """Request an assessment (staff; for the person or family; for an institution's applicant)."""
        form = RequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        person = get_scoped_or_404(people_for(request.user), request.user, pk=data["person"])
        organisation = Organisation.objects.filter(pk=data["organisation"]).first() if data.get("organisation") else None
        assessment = services.assessment_request(by=request.user, person=person, reason=data["reason"],
                                                 requested_via=data["requested_via"], organisation=organisation,
                                                 note=data["note"])
        return self._respond(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=ScheduleSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        form = ScheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        assessment = services.assessment_schedule(
            by=request.user, assessment=self.get_object(), assessor_1=_user(data["assessor_1"], "assessor_1"),
            assessor_2=_user(data["assessor_2"], "assessor_2"), scheduled_on=data["scheduled_on"], place=data["place"])
        return self._respond(assessment)

    @extend_schema(request=RecordSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Save a draft of the items (may be partial)."""
        form = RecordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assessment = services.assessment_record(by=request.user, assessment=self.get_object(),
                                                data=dict(form.validated_data))
        return self._respond(assessment)

    @extend_schema(request=RecordSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit for review; with a body, the items are recorded first. All 26 items are required."""
        data = None
        if request.data:
            form = RecordSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = dict(form.validated_data)
        assessment = services.assessment_submit(by=request.user, assessment=self.get_object(), data=data)
        return self._respond(assessment)

    @extend_schema(request=None, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve (county staff, not either assessor): the care level takes effect at once."""
        return self._respond(services.assessment_approve(by=request.user, assessment=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._respond(services.assessment_reject(by=request.user, assessment=self.get_object(),
                                                        reason=form.validated_data["reason"]))

    @extend_schema(request=None, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(services.assessment_publish(by=request.user, assessment=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._respond(services.assessment_cancel(by=request.user, assessment=self.get_object(),
                                                        reason=form.validated_data["reason"]))

    @extend_schema(exclude=True)  # documented once, at …/{id}/report.pdf (ReportPdfView below)
    @action(detail=True, methods=["get"], url_path="report.pdf", url_name="report")
    def report_pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The printed report (PDF, Chinese) of an approved assessment."""
        return report.pdf_response(assessment=self.get_object())

    @extend_schema(parameters=[OpenApiParameter("person", int, required=True),
                               OpenApiParameter("on", str, description="日期 YYYY-MM-DD，默认今天")],
                   responses={200: CareLevelSerializer})
    @action(detail=False, methods=["get"], url_path="care-level", url_name="care-level")
    def care_level(self, request: Request) -> Response:
        """The person's care level: the latest approved, still-valid GB/T 42195-2022 result (404 if none)."""
        person_id = id_param(request.query_params, "person")
        if not person_id:
            raise ValidationFailed("请提供 person 参数", details={"person": "必填，老年人档案编号"})
        person = get_scoped_or_404(people_for(request.user), request.user, pk=person_id)
        on = date_param(request.query_params, "on")
        care = selectors.care_level_for(person.pk, on)
        audit_sensitive_view(person, fields=["care_level"])
        if care is None:
            raise NotFound("该老年人没有有效的能力评估结果", code="no_care_level")
        return Response({"person": person.pk, **asdict(care)})


@extend_schema_view(report_pdf=extend_schema(exclude=False, operation_id="assessments_report_pdf",
                                             responses={(200, "application/pdf"): bytes}))
class ReportPdfView(AssessmentViewSet):
    """GET /api/v1/assessments/{id}/report.pdf (no trailing slash)."""


def register(router: Any) -> None:
    router.register("assessments", AssessmentViewSet, basename="assessment")


# Paths outside the router, picked up by core.api.urls: the stateless scoring endpoint at exactly
# /api/v1/assessments/score (no trailing slash) and the PDF report.
urlpatterns = [
    path("assessments/score", ScoreView.as_view(), name="assessment-score"),
    path("assessments/<int:pk>/report.pdf", ReportPdfView.as_view({"get": "report_pdf"}), name="assessment-report-pdf"),
]
