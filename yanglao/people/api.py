"""People API: /api/v1/people/ — list, create, read, update; reveal as a separate audited action."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.atomic import AnswerInsideTheWriteMixin
from yanglao.core.api.audited import AuditedViewsMixin
from yanglao.core.api.lengths import lengths_from
from yanglao.core.dictionaries import dictionary_labels
from yanglao.core.errors import Forbidden
from yanglao.core.params import age_param, choice_param, code_param, text_param

from . import selectors, services
from .choices import ContactKind, Status
from .models import Contact, Person, PersonCategory


class CategorySerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = PersonCategory
        fields = ["id", "category", "category_name", "valid_from", "valid_to", "document_no", "issuing_unit",
                  "disability_grade"]


class ContactSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "kind", "name", "relation", "phone"]


class PersonSerializer(serializers.ModelSerializer):
    """ID number and phones are always masked here, and the birth date is never shown beside the
    masked number (it is digits 7–14 of it): only the age. See POST /people/{id}/reveal/."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    age = serializers.SerializerMethodField()
    living_situation_name = serializers.CharField(source="get_living_situation_display", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    categories = serializers.SerializerMethodField()
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "id_number", "sex", "age", "phone", "division_code",
                  "hukou_division_code", "address", "living_situation", "living_situation_name", "status",
                  "status_name", "status_date", "categories", "contacts", "consent_at", "version", "updated_at"]

    def get_age(self, obj: Person) -> int:
        return obj.age_on(timezone.localdate())

    def get_categories(self, obj: Person) -> list[dict[str, Any]]:
        return CategorySerializer(selectors.current_categories(obj), many=True).data  # type: ignore[return-value]


@lengths_from(PersonCategory)
class CategoryInputSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="人员类别代码（字典 person_category，可在字典管理中扩展）")
    valid_from = serializers.DateField(required=False)
    document_no = serializers.CharField(required=False, allow_blank=True)
    issuing_unit = serializers.CharField(required=False, allow_blank=True)
    disability_grade = serializers.IntegerField(required=False, allow_null=True)


@lengths_from(Contact, phone="phone_masked")
class ContactInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, default="emergency")
    name = serializers.CharField()
    relation = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)


@lengths_from(Person, phone="phone_masked")
class PersonCreateSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=20, help_text="18位身份证号码（15位旧号自动转换）")
    name = serializers.CharField()
    division_code = serializers.CharField(help_text="居住社区12位区划代码")
    phone = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    living_situation = serializers.CharField(help_text="居住状况代码或名称（字典 living_situation，可在字典管理中扩展）")
    hukou_division_code = serializers.CharField(required=False, allow_blank=True)
    categories = CategoryInputSerializer(many=True, required=False)
    contacts = ContactInputSerializer(many=True, required=False)


@lengths_from(Person, phone="phone_masked")
class PersonUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    living_situation = serializers.CharField(required=False, help_text="居住状况代码或名称（字典 living_situation）")
    division_code = serializers.CharField(required=False)
    hukou_division_code = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=[Status.ACTIVE, Status.MOVED_AWAY, Status.DECEASED], required=False)
    status_date = serializers.DateField(required=False, allow_null=True)
    consent_at = serializers.DateField(required=False, allow_null=True)
    consent_by = serializers.CharField(required=False, allow_blank=True)
    consent_document = serializers.CharField(required=False, allow_blank=True)


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="查看事由（必填，记入审计日志），如：核实身份")


FILTERS = [
    OpenApiParameter("division", str, description="区划代码前缀（县6位/乡镇9位/社区12位）"),
    OpenApiParameter("division_code", str, description="同 division"),
    OpenApiParameter("category", str, description="当前有效的人员类别（字典 person_category 的代码）"),
    OpenApiParameter("age_min", int, description="年龄下限（0–150）"),
    OpenApiParameter("age_max", int, description="年龄上限（0–150）"),
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("living_situation", str, description="居住状况（字典 living_situation 的代码）"),
    OpenApiParameter("q", str, description="姓名、完整身份证号码、身份证后四位+姓名、电话"),
]


class PersonViewSet(AnswerInsideTheWriteMixin, AuditedViewsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer
    audit_list_fields: ClassVar[list[str]] = ["id_number(masked)", "phone(masked)", "categories"]

    def get_queryset(self) -> Any:
        p = self.request.query_params
        filters = {
            "q": text_param(p, "q"),
            "division": code_param(p, "division") or code_param(p, "division_code"),
            "category": choice_param(p, "category", dictionary_labels("person_category")),
            "age_min": age_param(p, "age_min"),
            "age_max": age_param(p, "age_max"),
            "status": choice_param(p, "status", Status.values),
            "living_situation": choice_param(p, "living_situation", dictionary_labels("living_situation")),
        } if self.action == "list" else {}
        if self.action == "list":  # in the order of the index the search reads (selectors.search_order)
            qs = selectors.order_search(selectors.search_people(self.request.user, filters), filters)
        else:
            qs = selectors.people_for(self.request.user).order_by("-pk")
        return qs.prefetch_related(
            Prefetch("categories", queryset=PersonCategory.objects.order_by("valid_from")), "contacts"
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("people.view"):
            raise Forbidden()

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request: Request) -> Response:
        form = PersonCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = services.person_create(by=request.user, data=dict(form.validated_data))
        return Response(PersonSerializer(self.get_queryset().get(pk=person.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses={200: PersonSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        form = PersonUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.person_update(by=request.user, person=person, data=dict(form.validated_data))
        return Response(PersonSerializer(self.get_queryset().get(pk=person.pk)).data)

    @extend_schema(request=RevealSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """The full ID number, birth date and phones. Needs a reason; recorded in the audit log with it."""
        person = self.get_object()
        form = RevealSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(services.person_reveal(by=request.user, person=person, reason=form.validated_data["reason"]))


def register(router: Any) -> None:
    router.register("people", PersonViewSet, basename="person")
