"""The HTTP SMS gateway against a local stand-in for the provider (started in the test): JSON with the
API key, a transient failure retried later, a permanent refusal, a timeout."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from yanglao.notices import sms
from yanglao.notices.gateways import HttpJsonGateway, SmsPermanentError, SmsTransientError
from yanglao.notices.models import SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


class FakeProvider:
    """Answers each POST with the next scripted (status, body, delay); records what it received."""

    def __init__(self, script):
        self.script = list(script)
        self.received = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                provider.received.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
                status, body, delay = provider.script.pop(0) if provider.script else (200, {"id": "x"}, 0)
                time.sleep(delay)
                raw = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def queued_offer(jiangcheng, home, family_person):
    from yanglao.admissions import services as admissions

    person = family_person(contacts=[])
    app = admissions.application_create(by=jiangcheng, person=person, institution=home)
    admissions.offer_bed(by=jiangcheng, application=app, bed=home.beds.order_by("pk").first())
    return SmsMessage.objects.get()


def test_it_posts_json_with_the_api_key_and_records_the_providers_id(jiangcheng, home, family_person):
    msg = queued_offer(jiangcheng, home, family_person)
    with FakeProvider([(200, {"id": "P-123"}, 0)]) as fake:
        gateway = HttpJsonGateway(fake.url, "secret-key", sign="阳江民政", timeout=2)
        sms.deliver_one(msg.pk, gateway=gateway)
    msg.refresh_from_db()
    assert msg.status == SmsStatus.SENT and msg.gateway_message_id == "P-123" and msg.gateway == "http"
    sent = fake.received[0]
    assert sent["headers"]["Authorization"] == "Bearer secret-key"
    assert sent["body"]["to"] == "13800001234" and sent["body"]["sign"] == "阳江民政"
    assert sent["body"]["text"] == msg.body and sent["body"]["reference"] == str(msg.pk)
    assert msg.phone_enc == ""


def test_a_provider_failure_is_retried_later_and_then_sent(jiangcheng, home, family_person):
    msg = queued_offer(jiangcheng, home, family_person)
    now = timezone.now()
    with FakeProvider([(503, {"error": "busy"}, 0), (200, {"message_id": "P-9"}, 0)]) as fake:
        gateway = HttpJsonGateway(fake.url, "k", timeout=2)
        sms.deliver_one(msg.pk, gateway=gateway, now=now)
        msg.refresh_from_db()
        assert msg.status == SmsStatus.QUEUED and msg.attempts == 1 and "503" in msg.error
        assert msg.next_attempt_at == now + dt.timedelta(minutes=1) and msg.phone_enc
        assert sms.dispatch_due(now=now + dt.timedelta(seconds=30), gateway=gateway) == {}  # not due yet
        assert sms.dispatch_due(now=now + dt.timedelta(minutes=2), gateway=gateway) == {"sent": 1}
    msg.refresh_from_db()
    assert msg.status == SmsStatus.SENT and msg.attempts == 2 and msg.gateway_message_id == "P-9"
    assert len(fake.received) == 2


def test_a_refusal_fails_at_once_with_the_providers_reason(jiangcheng, home, family_person):
    msg = queued_offer(jiangcheng, home, family_person)
    with FakeProvider([(400, {"error": "号码格式错误"}, 0)]) as fake:
        sms.deliver_one(msg.pk, gateway=HttpJsonGateway(fake.url, "k", timeout=2))
    msg.refresh_from_db()
    assert msg.status == SmsStatus.FAILED and "号码格式错误" in msg.error and msg.phone_enc == ""


def test_a_timeout_is_transient_and_the_last_try_marks_it_failed(jiangcheng, home, family_person, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    msg = queued_offer(jiangcheng, home, family_person)
    now = timezone.now()
    with FakeProvider([(200, {"id": "late"}, 1.5), (500, {}, 0)]) as fake:
        gateway = HttpJsonGateway(fake.url, "k", timeout=0.5)
        sms.deliver_one(msg.pk, gateway=gateway, now=now)
        msg.refresh_from_db()
        assert msg.status == SmsStatus.QUEUED and msg.attempts == 1
        sms.deliver_one(msg.pk, gateway=gateway, now=now + dt.timedelta(minutes=5))
    msg.refresh_from_db()
    assert msg.status == SmsStatus.FAILED and msg.attempts == 2 and msg.phone_enc == ""


def test_an_unreachable_provider_is_transient():
    gateway = HttpJsonGateway("http://127.0.0.1:9/none", "k", timeout=0.5)
    with pytest.raises(SmsTransientError):
        gateway.send("13800001234", "x", reference="1")


def test_ok_false_in_the_answer_is_a_refusal():
    with FakeProvider([(200, {"ok": False, "msg": "签名未报备"}, 0)]) as fake:
        with pytest.raises(SmsPermanentError, match="签名未报备"):
            HttpJsonGateway(fake.url, "k", timeout=2).send("13800001234", "x", reference="1")
