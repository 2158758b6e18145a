"""Admissions API: /api/v1/admissions/applications/ and /api/v1/admissions/offers/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yanglao.core.api.lengths import lengths_from
from yanglao.core.errors import Forbidden
from yanglao.core.params import choice_param, id_param
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.institutions.models import Bed, Institution
from yanglao.people.models import Person

from . import services
from .models import Application, ApplicationStatus, Offer


class ApplicationSerializer(serializers.ModelSerializer):
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    position = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "number", "person", "person_name", "institution", "applied_at", "status", "status_name",
                  "priority_rank", "priority_name", "must_admit", "care_level_at_application", "removed_until", "position"]

    def get_position(self, obj: Application) -> int | None:
        return services.position_of(obj)


@lengths_from(Application)
class ApplicationCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    institution = serializers.IntegerField()
    dementia_declared = serializers.BooleanField(default=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class OfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = ["id", "application", "bed", "offered_at", "respond_by", "status", "responded_at", "decline_reason"]


class OfferCreateSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    bed = serializers.IntegerField()


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The waiting lists in the caller's jurisdiction; `?institution=<id>` gives one home's queue in order."""

    serializer_class = ApplicationSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("admissions.view"):
            raise Forbidden()

    def get_queryset(self) -> Any:
        qs = restrict(Application.objects.select_related("person"), self.request.user)
        inst = id_param(self.request.query_params, "institution")
        if inst:
            qs = qs.filter(institution_id=inst)
        status_ = choice_param(self.request.query_params, "status", ApplicationStatus.values)
        if status_:
            qs = qs.filter(status=status_)
        return qs.order_by("priority_rank", "applied_at", "id")

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request: Request) -> Response:
        form = ApplicationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = get_scoped_or_404(Person.objects.all(), request.user, pk=form.validated_data["person"])
        institution = Institution.objects.filter(pk=form.validated_data["institution"]).first()
        if institution is None:
            from yanglao.core.errors import NotFound

            raise NotFound("机构不存在")
        app = services.application_create(by=request.user, person=person, institution=institution,
                                          dementia_declared=form.validated_data["dementia_declared"],
                                          notes=form.validated_data.get("notes", ""))
        return Response(ApplicationSerializer(app).data, status=status.HTTP_201_CREATED)


class OfferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OfferSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.can("admissions.view"):
            raise Forbidden()

    def get_queryset(self) -> Any:
        return restrict(Offer.objects.all(), self.request.user).order_by("-offered_at")

    @extend_schema(request=OfferCreateSerializer, responses={201: OfferSerializer, 409: None})
    def create(self, request: Request) -> Response:
        """Offer a bed. A bed already offered or taken answers 409 with the error shape."""
        form = OfferCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        app = get_scoped_or_404(Application.objects.select_related("institution"), request.user,
                                pk=form.validated_data["application"])
        bed = get_scoped_or_404(Bed.objects.all(), request.user, pk=form.validated_data["bed"])
        offer = services.offer_bed(by=request.user, application=app, bed=bed)
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        offer = get_scoped_or_404(Offer.objects.select_related("application__institution"), request.user, pk=pk)
        residency = services.offer_accept(by=request.user, offer=offer)
        return Response({"residency": residency.pk, "bed": residency.bed_id, "admitted_on": residency.admitted_on})

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        offer = get_scoped_or_404(Offer.objects.select_related("application__institution"), request.user, pk=pk)
        app = services.offer_decline(by=request.user, offer=offer, reason=str(request.data.get("reason", "")))
        return Response(ApplicationSerializer(app).data)


def register(router: Any) -> None:
    router.register("admissions/applications", ApplicationViewSet, basename="application")
    router.register("admissions/offers", OfferViewSet, basename="offer")
