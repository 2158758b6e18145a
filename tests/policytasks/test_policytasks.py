"""Loading the table, who reports and consolidates what, status on a day, reminders, pages, export and API."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, api_client, assert_jurisdiction_scoped, page_client
from yanglao.policytasks import selectors, services
from yanglao.policytasks.models import Assignment, Consolidation, ProgressReport, Task

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def table(divisions):
    services.load_table()


def unit_user(name: str, username: str = "") -> User:
    org = Organisation.objects.get(name=name, kind=OrganisationKind.GOVERNMENT)
    user = User(username=username or f"unit-{org.pk}", role=Role.RESPONSIBLE_UNIT, organisation=org)
    user.set_password(PASSWORD)
    user.password_changed_at = timezone.now()
    user.save()
    return user


def assignment(number: int, unit: str) -> Assignment:
    return Assignment.objects.select_related("task", "organisation").get(task__number=number, organisation__name=unit)


def test_loading_twice_creates_the_forty_tasks_once_with_one_assignment_per_county(table):
    again = services.load_table()
    assert (again.created, again.updated, again.assignments, again.units) == (0, 0, 0, 0) and again.unchanged == 40
    assert Task.objects.count() == 40
    task3 = Task.objects.get(number=3)
    assert task3.lead.name == "市民政局" and task3.due_date == dt.date(2021, 10, 31) and not task3.continuing
    names = sorted(task3.assignments.values_list("organisation__name", flat=True))
    assert names == sorted(["市民政局", "市自然资源局", "市住房城乡建设局", "江城区人民政府", "阳东区人民政府",
                            "阳西县人民政府", "阳春市人民政府"])
    assert Assignment.objects.get(task=task3, organisation__name="阳西县人民政府").division_code == "441721"
    assert Assignment.objects.filter(is_lead=True).count() == 40


def test_loading_keeps_progress_and_revised_deadlines(table, city_admin):
    task = Task.objects.get(number=17)
    services.revise_deadline(by=city_admin, task=task, revised_due=dt.date(2027, 3, 31), reason="市联席会议决定")
    Task.objects.filter(pk=task.pk).update(progress=60)
    services.load_table()
    task.refresh_from_db()
    assert (task.revised_due, task.progress, task.due_date) == (dt.date(2027, 3, 31), 60, dt.date(2022, 12, 31))


def test_each_status_follows_from_deadline_progress_and_day(table, city_admin):
    day = dt.date(2026, 11, 30)
    counts = selectors.status_counts(day)
    # Nothing reported: every dated task is overdue, every undated one continuing.
    undated = Task.objects.filter(due_date__isnull=True).count()
    assert counts == {"on_track": 0, "due_soon": 0, "overdue": 40 - undated, "done": 0, "continuing": undated}
    services.revise_deadline(by=city_admin, task=Task.objects.get(number=17), revised_due=day + dt.timedelta(days=10), reason="调整")
    services.revise_deadline(by=city_admin, task=Task.objects.get(number=22), revised_due=day + dt.timedelta(days=90), reason="调整")
    Task.objects.filter(number=11).update(completed_on=dt.date(2020, 12, 1), progress=100)  # dated, not continuing
    Task.objects.filter(number=5).update(completed_on=dt.date(2022, 3, 1), progress=100)  # dated, then continuing
    status = dict(selectors.with_status(Task.objects.all(), day).values_list("number", "status"))
    assert (status[17], status[22], status[11], status[5], status[14], status[3]) == (
        "due_soon", "on_track", "done", "continuing", "continuing", "overdue")
    assert [t.number for t in selectors.late_tasks(day)][:2] == [1, 6] and 17 not in [t.number for t in selectors.late_tasks(day)]
    assert selectors.late_tasks(day)[0].days_late == (day - dt.date(2020, 12, 31)).days


def test_a_county_reports_for_its_own_government_only(table, jiangcheng, yangxi):
    mine = assignment(3, "江城区人民政府")
    report = services.report_add(by=jiangcheng, assignment=mine, period=TODAY, reported_on=dt.date(2026, 11, 20),
                                 percent=70, text="已完成摸底", files=[("会议纪要.pdf", PDF)])
    mine.refresh_from_db()
    assert (mine.percent, mine.last_reported_on, report.division_code, report.on_behalf) == (70, dt.date(2026, 11, 20), "441702", False)
    assert report.attachments.get().content_type == "application/pdf"
    with pytest.raises(Forbidden):
        services.report_add(by=yangxi, assignment=mine, period=TODAY, reported_on=TODAY, percent=10, text="x")


def test_a_unit_reports_on_its_own_tasks_and_the_city_enters_others_on_their_behalf(table, city_admin):
    unit = unit_user("市自然资源局")
    own = assignment(4, "市自然资源局")
    services.report_add(by=unit, assignment=own, period=TODAY, reported_on=dt.date(2026, 11, 2), percent=40, text="方案起草")
    with pytest.raises(Forbidden):
        services.report_add(by=unit, assignment=assignment(4, "市民政局"), period=TODAY, reported_on=TODAY, percent=1, text="x")
    proxy = services.report_add(by=city_admin, assignment=assignment(4, "市住房城乡建设局"), period=TODAY, reported_on=TODAY,
                                percent=30, text="据来函代录")
    own_bureau = services.report_add(by=city_admin, assignment=assignment(4, "市民政局"), period=TODAY, reported_on=TODAY,
                                     percent=30, text="本局进展")
    assert proxy.on_behalf and not own_bureau.on_behalf


@pytest.mark.parametrize(("name", "content"), [("材料.pdf", b"<html>not a pdf</html>"), ("照片.exe", b"MZ\x90\x00"),
                                               ("表.xlsx", PDF)])
def test_an_attachment_is_judged_by_its_content_and_name(table, jiangcheng, name, content):
    with pytest.raises(ValidationFailed):
        services.report_add(by=jiangcheng, assignment=assignment(3, "江城区人民政府"), period=TODAY, reported_on=TODAY,
                            percent=5, text="x", files=[(name, content)])
    assert not ProgressReport.objects.exists()


def test_a_report_dated_in_the_future_or_over_100_is_refused(table, jiangcheng):
    a = assignment(3, "江城区人民政府")
    with pytest.raises(ValidationFailed):
        services.report_add(by=jiangcheng, assignment=a, period=TODAY, reported_on=dt.date(2099, 1, 1), percent=5, text="x")
    with pytest.raises(ValidationFailed):
        services.report_add(by=jiangcheng, assignment=a, period=TODAY, reported_on=dt.date(2026, 11, 1), percent=101, text="x")


def test_the_lead_consolidates_once_a_month_and_completion_makes_the_task_done(table, city_admin):
    lead = unit_user("市自然资源局")
    co = unit_user("市住房城乡建设局", "zhujian")
    task = Task.objects.get(number=4)
    with pytest.raises(Forbidden):
        services.consolidate(by=co, task=task, period=TODAY, reported_on=TODAY, percent=50, completed=False, text="x")
    with pytest.raises(ValidationFailed):
        services.consolidate(by=lead, task=task, period=TODAY, reported_on=TODAY, percent=90, completed=True, text="x")
    services.consolidate(by=lead, task=task, period=dt.date(2022, 5, 1), reported_on=dt.date(2022, 5, 30), percent=100,
                         completed=True, text="已印发同步规划建设验收交付的具体措施")
    with pytest.raises(Conflict):
        services.consolidate(by=city_admin, task=task, period=dt.date(2022, 5, 20), reported_on=dt.date(2022, 5, 31),
                             percent=100, completed=True, text="again")
    task.refresh_from_db()
    assert (task.progress, task.completed_on, Consolidation.objects.filter(task=task).count()) == (100, dt.date(2022, 5, 30), 1)
    assert dict(selectors.with_status(Task.objects.filter(pk=task.pk), TODAY).values_list("number", "status")) == {4: "done"}


def test_a_revised_deadline_needs_a_reason(table, city_admin):
    with pytest.raises(ValidationFailed):
        services.revise_deadline(by=city_admin, task=Task.objects.get(number=8), revised_due=TODAY, reason=" ")


def test_the_daily_reminder_tells_each_late_unit_once_a_week(table, jiangcheng):
    from yanglao.notices.models import Notice
    from yanglao.policytasks.notices import remind_due

    unit = unit_user("市财政局")
    remind_due(TODAY)
    remind_due(TODAY + dt.timedelta(days=1))  # same ISO week (a Monday and a Tuesday)
    assert Notice.objects.filter(recipient=unit, kind="policytasks.due").count() == Task.objects.filter(
        assignments__organisation=unit.organisation, due_date__isnull=False).count()
    mine = Notice.objects.filter(recipient=jiangcheng, kind="policytasks.due")
    assert mine.exists() and "已逾期" in mine.first().title
    services.report_add(by=jiangcheng, assignment=assignment(3, "江城区人民政府"), period=TODAY, reported_on=TODAY,
                        percent=100, text="已完成")
    assert 3 not in set(selectors.own_late(jiangcheng, TODAY).values_list("task__number", flat=True))


def test_the_unit_to_dos_name_late_and_unreported_tasks(table):
    from yanglao.core.todos import todo_list

    unit = unit_user("市自然资源局")
    keys = {t.key: t for t in todo_list(unit)}
    assert keys["policytasks.late"].item.urgent and keys["policytasks.unreported"].item.count == 7
    page = page_client(unit).get(keys["policytasks.unreported"].item.link)
    assert page.status_code == 200 and page.content.decode().count('data-testid="task-') == 7


def test_the_pages_open_for_the_city_a_county_and_a_unit(table, city_admin, jiangcheng, auditor):
    unit = unit_user("市自然资源局")
    a = assignment(4, "市自然资源局")
    for user, urls in [
        (city_admin, ["/policytasks/", "/policytasks/?status=overdue&measure=2", "/policytasks/units/", "/policytasks/4/",
                      "/policytasks/4/consolidate/", "/policytasks/4/revise/", f"/policytasks/assignments/{a.pk}/report/"]),
        (unit, ["/policytasks/", "/policytasks/4/", "/policytasks/4/consolidate/", f"/policytasks/assignments/{a.pk}/report/"]),
        (jiangcheng, ["/policytasks/", "/policytasks/3/", "/policytasks/units/"]),
        (auditor, ["/policytasks/", "/policytasks/3/"]),
    ]:
        client = page_client(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.username, url)
    # A unit sees only the tasks it answers for; a co-unit may not consolidate.
    text = page_client(unit).get("/policytasks/").content.decode()
    assert text.count('data-testid="task-') == 7
    assert page_client(unit).get("/policytasks/1/").status_code == 404
    assert page_client(unit_user("市住房城乡建设局", "zj")).get("/policytasks/4/consolidate/").status_code == 403
    assert page_client(auditor).get("/policytasks/4/revise/").status_code == 403


def test_a_report_posted_in_the_console_keeps_its_attachment(table, jiangcheng):
    a = assignment(3, "江城区人民政府")
    got = page_client(jiangcheng).post(f"/policytasks/assignments/{a.pk}/report/", {
        "period": "2026-11", "reported_on": "2026-11-20", "percent": "55", "text": "已完成专项规划初稿",
        "files": [SimpleUploadedFile("初稿.pdf", PDF, content_type="application/pdf")]})
    assert got.status_code == 302, got.content.decode()[:500]
    report = ProgressReport.objects.get()
    att = report.attachments.get()
    download = page_client(jiangcheng).get(f"/policytasks/attachments/{att.pk}/")
    assert download.status_code == 200 and download.content == PDF
    assert page_client(jiangcheng).get("/policytasks/3/").content.decode().count("初稿.pdf") == 1


def test_reports_and_report_forms_are_scoped_to_the_county(table, jiangcheng):
    a = assignment(3, "江城区人民政府")
    report = services.report_add(by=jiangcheng, assignment=a, period=TODAY, reported_on=TODAY, percent=20, text="江城进展",
                                 files=[("纪要.pdf", PDF)])
    att = report.attachments.get()
    assert_jurisdiction_scoped(division_code="441702", list_url="/api/v1/policytasks/reports/",
                               detail_url=f"/api/v1/policytasks/reports/{report.pk}/")
    assert_jurisdiction_scoped(division_code="441702", api=False, list_url="/policytasks/3/", marker="江城进展",
                               detail_url=f"/policytasks/assignments/{a.pk}/report/",
                               extra_get_urls=(f"/policytasks/attachments/{att.pk}/",))


def test_the_export_lists_the_filtered_tasks_with_formula_like_text_kept_as_text(table, city_admin):
    from openpyxl import load_workbook

    Task.objects.filter(number=2).update(revised_due=TODAY, revised_reason="=HYPERLINK(\"http://x\")")
    got = page_client(city_admin).get("/policytasks/export.xlsx?measure=1")
    assert got.status_code == 200
    ws = load_workbook(io.BytesIO(got.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [1, 2, 3]
    cell = ws.cell(row=4, column=10)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_the_api_lists_tasks_with_status_and_takes_a_report(table, jiangcheng):
    client = api_client(jiangcheng)
    got = client.get("/api/v1/policytasks/tasks/?status=continuing")
    body = got.json()
    assert got.status_code == 200 and body["count"] == Task.objects.filter(due_date__isnull=True).count() - 0
    assert {r["status"] for r in body["results"]} == {"continuing"}
    assert client.get("/api/v1/policytasks/tasks/3/").json()["lead"] == "市民政局"
    a = assignment(3, "江城区人民政府")
    got = client.post("/api/v1/policytasks/reports/", {"assignment": a.pk, "period": "2026-11-01", "reported_on": "2026-11-05",
                                                       "percent": 30, "text": "接口报送"}, content_type="application/json")
    assert got.status_code == 201 and got.json()["unit"] == "江城区人民政府"
    other = assignment(3, "阳西县人民政府")
    got = client.post("/api/v1/policytasks/reports/", {"assignment": other.pk, "period": "2026-11-01",
                                                       "reported_on": "2026-11-05", "percent": 30, "text": "x"},
                      content_type="application/json")
    assert got.status_code == 404


def test_the_demo_shows_every_status(divisions):
    from yanglao.core.demo import create_demo_accounts
    from yanglao.policytasks.demo import load_demo

    create_demo_accounts()
    load_demo(seed=2026)
    counts = selectors.status_counts()
    assert all(counts.values()), counts
    assert sum(counts.values()) == 40
    assert "未重复生成" in load_demo(seed=2026)


def test_the_bureau_prints_a_task_sheet_and_a_county_cannot_print_a_task_it_does_not_share(table, city_admin, jiangcheng):
    task = Task.objects.get(number=2)  # 市民政局 alone: no county answers for it
    got = page_client(city_admin).post(f"/documents/print/policytasks.task/{task.pk}/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF")
    assert page_client(jiangcheng).post(f"/documents/print/policytasks.task/{task.pk}/").status_code == 404
