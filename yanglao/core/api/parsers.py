"""Request-body parsers for the API: a JSON body must be an object, and no value (JSON, form or
multipart field, or uploaded file name) may carry a NUL character, which PostgreSQL refuses in text.
Both answer 400 in the one error shape instead of failing deeper down with a 500."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from ..params import contains_nul

NUL_MESSAGE = "请求中含有不允许的空字符（NUL）"


def _refuse_nul(value: Any) -> None:
    if contains_nul(value):
        raise ParseError(NUL_MESSAGE)


class ObjectJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError("请求体必须是 JSON 对象（{…}），而不是数组或单个值")
        _refuse_nul(data)
        return data


class CheckedFormParser(FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul(data)
        return data


class CheckedMultiPartParser(MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        _refuse_nul(result.data)
        _refuse_nul([f.name for f in result.files.values()])
        return result
