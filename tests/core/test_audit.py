"""The audit trail: every change with who, when, division, before and after; append-only; retention."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from yanglao.core.audit import audit_context, audit_export, audit_sensitive_view, history_for
from yanglao.core.models import AuditEntry, Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_recorded_with_actor_division_and_values(jiangcheng):
    with audit_context(jiangcheng, ip="10.1.2.3"):
        org = Organisation.objects.create(name="江城颐养院", kind="institution", division_code="441702001")
        org.name = "江城区颐养院"
        org.save()
        pk = org.pk
        org.delete()
    created, updated, deleted = AuditEntry.objects.filter(
        object_type="core.organisation", object_id=str(pk)
    ).order_by("id")
    assert created.action == "create" and created.changes["name"] == [None, "江城颐养院"]
    assert updated.action == "update" and updated.changes == {"name": ["江城颐养院", "江城区颐养院"]}
    assert deleted.action == "delete" and deleted.changes["name"] == ["江城区颐养院", None]
    for entry in (created, updated, deleted):
        assert entry.actor_username == "jiangcheng" and entry.actor_role == Role.COUNTY_STAFF
        assert entry.division_code == "441702001" and entry.ip == "10.1.2.3"


def test_saving_without_a_change_writes_no_line_and_versions_count_changes(jiangcheng):
    org = Organisation.objects.create(name="A", kind="institution", division_code="441702")
    org.save()
    assert history_for(org).count() == 1
    org.name = "B"
    org.save()
    org.refresh_from_db()
    assert org.version == 3 and history_for(org).count() == 2


def test_views_and_exports_of_sensitive_data_are_recorded(jiangcheng):
    org = Organisation.objects.create(name="A", kind="institution", division_code="441702")
    with audit_context(jiangcheng):
        audit_sensitive_view(org, fields=["phone"], reveal=True, reason="核实联系方式")
        audit_export(
            Organisation,
            count=12,
            fmt="xlsx",
            filters={"division": "441702"},
            masked=True,
            division_code="441702",
        )
    assert AuditEntry.objects.filter(
        action="reveal", actor_username="jiangcheng", extra__fields=["phone"], extra__reason="核实联系方式"
    ).exists()
    export = AuditEntry.objects.get(action="export")
    assert export.extra["count"] == 12 and export.extra["masked"] is True


def test_the_application_cannot_change_or_delete_audit_lines(jiangcheng):
    Organisation.objects.create(name="A", kind="institution", division_code="441702")
    entry = AuditEntry.objects.first()
    entry.object_repr = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(object_repr="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_the_database_itself_refuses_updates_and_deletes_of_audit_lines(jiangcheng):
    Organisation.objects.create(name="A", kind="institution", division_code="441702")
    for sql in ("UPDATE core_auditentry SET object_repr = 'x'", "DELETE FROM core_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.filter(object_repr="A").exists()


def test_purge_refuses_less_than_180_days(db):
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("purge_audit", "--older-than", "179")


def test_purge_removes_only_lines_older_than_the_cutoff_and_records_itself(divisions):
    old = AuditEntry.objects.create(
        action="create", object_type="x", at=timezone.now() - dt.timedelta(days=400)
    )
    recent = AuditEntry.objects.create(
        action="create", object_type="x", at=timezone.now() - dt.timedelta(days=10)
    )
    call_command("purge_audit", "--older-than", "365")
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert AuditEntry.objects.filter(action="purge", extra__deleted=1).exists()
    # and the guard is back on afterwards
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry")


def test_auditor_filters_the_log_in_the_console(auditor, jiangcheng):
    with audit_context(jiangcheng):
        Organisation.objects.create(name="甲院", kind="institution", division_code="441702")
        Organisation.objects.create(name="乙院", kind="institution", division_code="441721")
    page = page_client(auditor).get("/audit/", {"division": "441721"}).content.decode()
    assert "乙院" in page and "甲院" not in page
    page = page_client(auditor).get("/audit/", {"actor": "jiangcheng", "action": "create"}).content.decode()
    assert "甲院" in page and "乙院" in page


def test_a_county_auditor_reads_only_the_county_log(divisions):
    county_auditor = make_user(Role.AUDITOR, "441721")
    Organisation.objects.create(name="甲院", kind="institution", division_code="441702")
    Organisation.objects.create(name="乙院", kind="institution", division_code="441721")
    page = page_client(county_auditor).get("/audit/").content.decode()
    assert "乙院" in page and "甲院" not in page


def test_staff_without_the_audit_capability_cannot_open_the_log(jiangcheng):
    assert page_client(jiangcheng).get("/audit/").status_code == 403


def test_the_request_user_is_the_actor_of_changes_made_through_pages(jiangcheng):
    client = Client()
    client.force_login(jiangcheng)
    client.post(
        "/account/password/",
        {
            "old_password": "Test-Passw0rd!",
            "new_password": "Another-Passw0rd-1",
            "new_password2": "Another-Passw0rd-1",
        },
    )
    line = AuditEntry.objects.get(extra__event="password_changed")
    assert line.actor_username == "jiangcheng" and line.ip == "127.0.0.1"
