"""The pages: forms keep bad input with the reason on the field, confirmations carry their comment into the
audit log, every list and record is scoped, the institution's staff log visits on the bed's page."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.homeadapt import services
from yanglao.homeadapt.models import PhotoKind, Project, ProjectStatus, ServiceRecord

from .conftest import give_category, png


def _project(jiangcheng, person, item, contractor=None, status=ProjectStatus.ASSESSED):
    p = services.project_apply(by=jiangcheng, person=person, address="北门路1号")
    p = services.project_assess(by=jiangcheng, project=p, needs="扶手",
                                lines=[services.LineInput(item("grab-bar-bath"), 2)])
    if status == ProjectStatus.ASSESSED:
        return p
    p = services.project_start(by=jiangcheng, project=p, contractor=contractor)
    if status == ProjectStatus.CONSTRUCTION:
        return p
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="后.png", kind=PhotoKind.AFTER)
    return services.project_complete(by=jiangcheng, project=p)


def test_staff_apply_and_assess_on_the_pages_with_the_subsidy_by_rule(jiangcheng, new_person, item, today):
    person = new_person()
    give_category(person, "tekun")
    client = page_client(jiangcheng)
    r = client.post("/homeadapt/projects/new/", {"person": person.pk, "address": "", "request": "装扶手",
                                                 "applied_on": today.isoformat()})
    assert r.status_code == 302
    p = Project.objects.get(person=person)
    bar = item("grab-bar-bath")
    r = client.post(f"/homeadapt/projects/{p.pk}/assess/", {"assessed_on": today.isoformat(), "needs": "卫生间无扶手",
                                                             f"qty_{bar.pk}": "2", f"sub_{bar.pk}": "400.00"})
    assert r.status_code == 200 and "超过该项目的价格" in r.content.decode()  # kept on the form, with the reason
    r = client.post(f"/homeadapt/projects/{p.pk}/assess/", {"assessed_on": today.isoformat(), "needs": "卫生间无扶手",
                                                             f"qty_{bar.pk}": "2", f"sub_{bar.pk}": ""})
    assert r.status_code == 302
    page = client.get(f"/homeadapt/projects/{p.pk}/").content.decode()
    assert "¥360.00" in page and "特困供养、低保老年人" in page
    assert AuditEntry.objects.filter(object_type="homeadapt.project", object_id=str(p.pk), action="view_sensitive").exists()


def test_a_file_that_is_not_an_image_is_refused_on_the_page(jiangcheng, new_person, item):
    p = _project(jiangcheng, new_person(), item)
    client = page_client(jiangcheng)
    upload = SimpleUploadedFile("扶手.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    r = client.post(f"/homeadapt/projects/{p.pk}/photos/", {"kind": "before", "file": upload}, follow=True)
    assert "不是图片文件" in r.content.decode() and not p.photos.exists()
    ok = SimpleUploadedFile("前.png", png(), content_type="image/png")
    client.post(f"/homeadapt/projects/{p.pk}/photos/", {"kind": "before", "file": ok})
    photo = p.photos.get()
    r = client.get(f"/homeadapt/photos/{photo.pk}/")
    assert r["Content-Type"] == "image/png" and r.content == png()


def test_acceptance_is_a_confirmation_with_a_comment_refused_before_completion(jiangcheng, new_person, item, contractor):
    client = page_client(jiangcheng)
    early = _project(jiangcheng, new_person(), item, contractor, ProjectStatus.CONSTRUCTION)
    r = client.post(f"/homeadapt/projects/{early.pk}/accept/", {"comment": "同意"})
    assert r.status_code == 400 and "尚未完工" in r.content.decode()
    done = _project(jiangcheng, new_person(), item, contractor, ProjectStatus.AWAITING)
    r = client.post(f"/homeadapt/projects/{done.pk}/accept/", {"comment": ""})
    assert r.status_code == 400 and Project.objects.get(pk=done.pk).status == ProjectStatus.AWAITING
    r = client.post(f"/homeadapt/projects/{done.pk}/accept/", {"comment": "扶手牢固，验收合格"})
    assert r.status_code == 302 and Project.objects.get(pk=done.pk).status == ProjectStatus.ACCEPTED
    assert AuditEntry.objects.filter(object_type="homeadapt.project", object_id=str(done.pk), action="update",
                                     extra__comment="扶手牢固，验收合格", extra__action="验收").exists()


def test_lists_and_records_are_scoped(jiangcheng, yangxi, new_person, item, home, operator):
    p = _project(jiangcheng, new_person(), item)
    bed = services.care_bed_register(by=jiangcheng, person=new_person(), institution=home, services=["care"],
                                     visits_per_month=4, started_on=dt.date.today())
    other = page_client(yangxi)
    assert p.number not in other.get("/homeadapt/").content.decode()
    assert other.get(f"/homeadapt/projects/{p.pk}/").status_code == 404
    assert other.get(f"/homeadapt/beds/{bed.pk}/").status_code == 404
    assert "共 0 条" in other.get("/homeadapt/beds/").content.decode()
    mine = page_client(jiangcheng).get("/homeadapt/").content.decode()
    assert p.number in mine and "共 1 条" in mine
    op = page_client(operator)
    assert op.get("/homeadapt/").status_code == 403  # adaptations are not the institution's business
    assert bed.number in op.get("/homeadapt/beds/").content.decode()
    from yanglao.core.models import Organisation

    elsewhere = Organisation.objects.create(name="阳西县中心敬老院", kind="institution", division_code="441721100")
    stranger = make_user(Role.INSTITUTION_OPERATOR, None, organisation=elsewhere)
    assert page_client(stranger).get(f"/homeadapt/beds/{bed.pk}/").status_code == 404


def test_the_institutions_staff_log_a_visit_on_the_beds_page_and_see_the_monthly_count(jiangcheng, new_person, home,
                                                                                          operator, today):
    bed = services.care_bed_register(by=jiangcheng, person=new_person(), institution=home, services=["care", "bath"],
                                     visits_per_month=4, started_on=today - dt.timedelta(days=40))
    client = page_client(operator)
    r = client.post(f"/homeadapt/beds/{bed.pk}/", {"served_on": today.isoformat(), "service": "bath", "minutes": "45",
                                                   "carer": "梁玉兰", "note": "协助洗澡"})
    assert r.status_code == 302
    r = client.post(f"/homeadapt/beds/{bed.pk}/", {"served_on": (today + dt.timedelta(days=2)).isoformat(),
                                                   "service": "bath", "minutes": "45", "carer": "梁玉兰"})
    assert r.status_code == 200 and "服务日期不能晚于今天" in r.content.decode()
    page = client.get(f"/homeadapt/beds/{bed.pk}/").content.decode()
    assert ServiceRecord.objects.filter(bed=bed).count() == 1
    assert 'class="bed-count">1</span> / 4' in page and "未达约定次数" in page
    assert page_client(jiangcheng).post(f"/homeadapt/beds/{bed.pk}/", {"served_on": today.isoformat(), "service": "bath",
                                                                       "minutes": "45", "carer": "x"}).status_code == 403


def test_only_the_city_edits_the_item_list_and_a_zero_price_is_refused(city_admin, jiangcheng, item):
    bar = item("grab-bar-bath")
    assert page_client(jiangcheng).get(f"/homeadapt/items/{bar.pk}/").status_code == 403
    client = page_client(city_admin)
    data = {"code": bar.code, "name": bar.name, "group": bar.group, "unit": bar.unit, "spec": "", "active": "on",
            "sort": "1", "price": "0"}
    r = client.post(f"/homeadapt/items/{bar.pk}/", data)
    assert r.status_code == 200 and 'data-testid="error-price"' in r.content.decode()
    r = client.post(f"/homeadapt/items/{bar.pk}/", data | {"price": "195.50"})
    assert r.status_code == 302 and item("grab-bar-bath").price_fen == 19_550


def test_a_subsidy_rule_above_100_percent_is_refused(city_admin, today):
    r = page_client(city_admin).post("/homeadapt/rules/new/", {
        "rank": "4", "name": "高龄老人", "percent": "120", "cap": "1000", "valid_from": today.isoformat(),
        "document_no": "演示"})
    assert r.status_code == 200 and 'data-testid="error-percent"' in r.content.decode()
