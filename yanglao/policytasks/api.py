"""Policy tasks API: the tasks the caller sees with today's status (`/api/v1/policytasks/tasks/`, filters
`?status=`, `?measure=`, `?unit=`), and progress reports (`/api/v1/policytasks/reports/`, list in scope; POST a
report on an assignment the caller answers for)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.errors import Forbidden
from yanglao.core.params import choice_param, int_param
from yanglao.core.scope import get_scoped_or_404, restrict

from . import selectors, services
from .models import Assignment, ProgressReport, Status


class TaskSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    measure_no = serializers.IntegerField()
    measure = serializers.CharField()
    title = serializers.CharField()
    requirement = serializers.CharField()
    lead = serializers.CharField(source="lead.name")
    units_text = serializers.CharField()
    deadline_text = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    continuing = serializers.BooleanField()
    revised_due = serializers.DateField(allow_null=True)
    revised_reason = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    progress = serializers.IntegerField()
    completed_on = serializers.DateField(allow_null=True)
    parse_notes = serializers.CharField()


class ReportSerializer(serializers.ModelSerializer):
    task_number = serializers.IntegerField(source="task.number", read_only=True)
    unit = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "assignment", "task_number", "unit", "period", "reported_on", "percent", "text", "on_behalf",
                  "division_code"]
        read_only_fields = ["id", "task_number", "unit", "on_behalf", "division_code"]


class ReportCreateSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    period = serializers.DateField()
    reported_on = serializers.DateField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    text = serializers.CharField(max_length=2000)


class _Base(viewsets.GenericViewSet):
    capability = "policytasks.view"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can(self.capability):
            raise Forbidden()


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """The policy tasks the caller sees (the city all 40), each with today's status."""

    serializer_class = TaskSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d{1,4}"

    def get_queryset(self) -> Any:
        p = self.request.query_params
        return selectors.task_list(self.request.user, unit=int_param(p, "unit", minimum=1, maximum=2**31 - 1),
                                   measure=int_param(p, "measure", minimum=1, maximum=99),
                                   status=choice_param(p, "status", Status.values))


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Progress reports in the caller's scope (a unit its own, a county its county's), newest first."""

    serializer_class = ReportSerializer

    def get_queryset(self) -> Any:
        qs = restrict(ProgressReport.objects.select_related("task", "organisation"), self.request.user)
        number = int_param(self.request.query_params, "task", minimum=1, maximum=9999)
        if number:
            qs = qs.filter(task__number=number)
        return qs.order_by("-reported_on", "-pk")

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def create(self, request: Request) -> Response:
        """Report progress on an assignment the caller answers for (attachments: through the console)."""
        if not request.user.can("policytasks.report"):
            raise Forbidden()
        form = ReportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        a = get_scoped_or_404(Assignment.objects.select_related("organisation"), request.user, pk=d["assignment"])
        report = services.report_add(by=request.user, assignment=a, period=d["period"], reported_on=d["reported_on"],
                                     percent=d["percent"], text=d["text"])
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


def register(router: Any) -> None:
    router.register("policytasks/tasks", TaskViewSet, basename="policytasks-task")
    router.register("policytasks/reports", ReportViewSet, basename="policytasks-report")
