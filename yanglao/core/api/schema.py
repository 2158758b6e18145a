"""OpenAPI post-processing: every operation declares the one error shape for the errors it can answer.

Every endpoint can refuse a request (400 invalid input, 401 no or bad token, 403 no capability, 404 not
in the caller's jurisdiction, 409 a state conflict, 429 too many requests), always as
{"error": {"code", "message", "details"}}. Declaring them once here keeps the schema honest for
clients and for schemathesis (tests/core/test_schema_fuzz.py), which checks every status code it sees
is declared.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "统一错误格式",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "机器可读的错误代码，如 validation_failed"},
                "message": {"type": "string", "description": "中文错误说明"},
                "details": {"description": "按字段的错误说明或其他细节，可为空", "nullable": True},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}

ERROR_RESPONSES = {
    "400": "请求参数或数据有误",
    "401": "未登录、令牌无效或已过期",
    "403": "没有执行此操作的权限",
    "404": "记录不存在或不在管辖范围内",
    "409": "操作与当前状态冲突",
    "413": "上传的文件或请求体过大",
    "429": "请求过于频繁",
}

METHODS = {"get", "post", "put", "patch", "delete"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description,
                                            "content": {"application/json": {"schema": ref}}})
    return result
