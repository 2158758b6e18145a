"""Core API: tokens, the current account, divisions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import AuthenticationFailed, Forbidden, ValidationFailed
from ..models import ApiToken, Division
from ..params import code_param
from ..services import (
    ClientInfo,
    auth_check_password,
    auth_login_succeeded,
    token_create,
    token_revoke,
    totp_verify,
    two_factor_required,
)
from .auth import client_ip


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(max_length=8, required=False, help_text="两步验证动态码（工作人员账户启用两步验证时必填）")


class TokenResponse(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """POST: exchange username and password (and the two-factor code) for a bearer token.
    DELETE: revoke the token used to call it."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequest, responses={200: TokenResponse}, auth=[])
    def post(self, request: Request) -> Response:
        form = TokenRequest(data=request.data)
        form.is_valid(raise_exception=True)
        client = ClientInfo(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""), channel="api")
        user = auth_check_password(
            username=form.validated_data["username"], password=form.validated_data["password"], client=client
        )
        if two_factor_required(user):
            if user.totp_confirmed_at is None:
                raise Forbidden("请先在网页端完成两步验证绑定后再申请接口令牌", code="two_factor_not_enrolled")
            if not form.validated_data.get("otp"):
                raise ValidationFailed("需要两步验证动态码", details={"otp": "请填写验证器上的 6 位动态码"})
            totp_verify(user=user, code=form.validated_data["otp"], client=client)
        if user.must_change_password:  # a temporary password set by an administrator opens no API access
            raise Forbidden("请先在网页端修改管理员设置的临时密码，再申请接口令牌", code="password_change_required")
        auth_login_succeeded(user=user, client=client)
        key, token = token_create(user=user, client=client)
        return Response({"token": key, "expires_at": token.expires_at})


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise AuthenticationFailed("只能吊销以令牌认证的请求所用的令牌")
        token_revoke(token=request.auth)
        return Response(status=204)


class MeView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "role": serializers.CharField(),
                "role_name": serializers.CharField(),
                "division_code": serializers.CharField(allow_null=True),
                "jurisdiction": serializers.CharField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "username": user.username,
                "name": user.display_name,
                "role": user.role,
                "role_name": user.get_role_display(),
                "division_code": user.division_id,
                "jurisdiction": user.jurisdiction_label,
            }
        )


class DivisionSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    parent_code = serializers.CharField(source="parent_id", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "level_name", "parent_code", "urban_rural"]


class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Divisions in the user's jurisdiction. `?parent=<code>` lists the children of one division."""

    serializer_class = DivisionSerializer
    lookup_field = "code"
    filterset_fields = ["level", "urban_rural"]

    def get_queryset(self) -> Any:
        qs = Division.objects.restrict(self.request.user)
        parent = code_param(self.request.query_params, "parent")
        if parent:
            qs = qs.filter(parent_id=parent)
        return qs
