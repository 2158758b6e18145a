"""SMS gateways: the city configures one (``YANGLAO_SMS_GATEWAY``, docs/configuration.md).

* ``log`` (default, demo and tests): writes each message to the ``yanglao.sms`` log with the number
  masked, and sends nothing.
* ``http``: a standard HTTP SMS API: ``POST <YANGLAO_SMS_HTTP_URL>`` with a JSON body
  ``{"to": "13800000000", "sign": "阳江民政", "text": "…", "reference": "<our id>"}`` and the API key in
  ``Authorization: Bearer <key>``; a 2xx answer with ``{"id": "…"}`` (or ``message_id``) is sent. Timeouts,
  refused connections, 429 and 5xx are *transient* (retried later); any other 4xx or an answer that says
  ``{"ok": false}`` is *permanent* (the message fails with the gateway's reason).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from yanglao.core.idnumber import mask_phone

log = logging.getLogger("yanglao.sms")


class SmsError(Exception):
    pass


class SmsTransientError(SmsError):
    """Try again later: the gateway did not answer, or said it is busy."""


class SmsPermanentError(SmsError):
    """The gateway refused this message: trying again will not help."""


@dataclass(frozen=True)
class SendResult:
    message_id: str


class SmsGateway(Protocol):
    name: str

    def send(self, phone: str, text: str, *, reference: str) -> SendResult: ...


class LogGateway:
    """Writes to the log (number masked) and sends nothing: the demo's and the tests' gateway."""

    name = "log"

    def send(self, phone: str, text: str, *, reference: str) -> SendResult:
        message_id = f"log-{uuid.uuid4().hex[:12]}"
        log.info("SMS %s to %s: %s", message_id, mask_phone(phone), text)
        return SendResult(message_id)


class HttpJsonGateway:
    name = "http"

    def __init__(self, url: str, api_key: str, *, sign: str = "", timeout: float = 5.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("YANGLAO_SMS_HTTP_URL 须为 http(s) 地址")
        self.url, self.api_key, self.sign, self.timeout = url, api_key, sign, timeout

    def send(self, phone: str, text: str, *, reference: str) -> SendResult:
        payload = json.dumps({"to": phone, "sign": self.sign, "text": text, "reference": reference},
                             ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
            "Authorization": f"Bearer {self.api_key}",
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            reason = _reason(exc.read(4096)) or exc.reason
            if exc.code == 429 or exc.code >= 500:
                raise SmsTransientError(f"短信网关暂不可用（HTTP {exc.code}）：{reason}") from exc
            raise SmsPermanentError(f"短信网关拒绝发送（HTTP {exc.code}）：{reason}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise SmsTransientError(f"短信网关无法连接：{getattr(exc, 'reason', exc)}") from exc
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SmsTransientError("短信网关的应答无法识别") from exc
        if isinstance(body, dict) and body.get("ok") is False:
            raise SmsPermanentError(f"短信网关拒绝发送：{_reason(raw) or '未说明原因'}")
        message_id = str((body.get("id") or body.get("message_id") or "") if isinstance(body, dict) else "")
        return SendResult(message_id[:64])


def _reason(raw: bytes) -> str:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        return raw.decode("utf-8", "replace")[:200]
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or body.get("msg") or "")[:200]
    return ""


def configured_gateway() -> SmsGateway:
    kind = getattr(settings, "SMS_GATEWAY", "log")
    if kind == "http":
        return HttpJsonGateway(settings.SMS_HTTP_URL, settings.SMS_HTTP_API_KEY, sign=settings.SMS_SIGN,
                               timeout=settings.SMS_HTTP_TIMEOUT)
    if kind == "log":
        return LogGateway()
    raise ValueError(f"未知的短信网关：{kind}（可选 log、http）")
