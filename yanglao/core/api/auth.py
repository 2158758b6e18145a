"""Bearer tokens for the API: `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..audit import _actor, actor_for
from ..clientip import client_ip
from ..models import ApiToken, User
from ..services import token_lookup, token_matches_credentials

__all__ = ["BearerTokenAuthentication", "client_ip"]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为：Bearer <令牌>")
        token = token_lookup(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("令牌已被吊销，请重新获取")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("令牌已过期，请重新获取")
        if not token_matches_credentials(token):
            raise exceptions.AuthenticationFailed("令牌已失效：账户的密码或两步验证已变更，请重新获取")
        user = token.user
        if not user.is_active:  # a sign-in lock does not end tokens issued by a full sign-in
            raise exceptions.AuthenticationFailed("账户已停用")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        _actor.set(actor_for(user, client_ip(request)))  # reset by AuditContextMiddleware at the end
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI schema."""

    target_class = "yanglao.core.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token 获取的令牌"}
