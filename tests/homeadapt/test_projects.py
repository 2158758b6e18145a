"""A home adaptation goes from application to acceptance, its subsidy computed by the rule of the person's
category; each bad input is refused with its reason."""

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.homeadapt import services
from yanglao.homeadapt.models import PhotoKind, Project, ProjectStatus, SubsidyRule

from .conftest import give_category, png

L = services.LineInput


def _assessed(jiangcheng, person, item, lines=None):
    p = services.project_apply(by=jiangcheng, person=person, address="北门路1号")
    return services.project_assess(by=jiangcheng, project=p, needs="卫生间无扶手，地面湿滑",
                                   lines=lines or [L(item("grab-bar-bath"), 2), L(item("anti-slip-floor"), 6)])


def test_a_project_goes_from_application_through_assessment_and_works_to_acceptance(jiangcheng, new_person, item,
                                                                                    contractor):
    person = new_person()
    give_category(person, "dibao")
    p = services.project_apply(by=jiangcheng, person=person, address="北门路1号", request="卫生间改造")
    assert p.status == ProjectStatus.APPLIED and p.number.startswith("SL")
    p = services.project_assess(by=jiangcheng, project=p, needs="卫生间无扶手",
                                lines=[L(item("grab-bar-bath"), 2), L(item("night-light"), 3)])
    assert p.status == ProjectStatus.ASSESSED
    assert p.total_fen == 2 * 18_000 + 3 * 4_500
    assert p.subsidy_fen == p.total_fen  # 低保: 100 % (below the cap)
    assert p.rule.name.startswith("特困供养、低保")
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="前.png", kind=PhotoKind.BEFORE)
    p = services.project_start(by=jiangcheng, project=p, contractor=contractor)
    assert p.status == ProjectStatus.CONSTRUCTION
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="后.png", kind=PhotoKind.AFTER)
    p = services.project_complete(by=jiangcheng, project=p, note="已完成")
    assert p.status == ProjectStatus.AWAITING
    p = services.project_accept(by=jiangcheng, project=p, comment="扶手牢固")
    assert p.status == ProjectStatus.ACCEPTED and p.accepted_by == jiangcheng and p.decision_note == "扶手牢固"


def test_the_subsidy_follows_the_persons_category_and_is_trimmed_to_the_rules_cap(jiangcheng, new_person, item):
    edge = new_person()
    give_category(edge, "dibao_edge")  # 80 %, at most ¥3,500
    p = _assessed(jiangcheng, edge, item, [L(item("grab-bar-bath"), 1)])
    assert p.subsidy_fen == 18_000 * 80 // 100
    big = new_person()
    give_category(big, "economic_hardship")
    p = _assessed(jiangcheng, big, item, [L(item("squat-to-seat"), 3), L(item("fall-sensor"), 2)])
    assert p.total_fen == 3 * 120_000 + 2 * 65_000
    assert p.subsidy_fen == 350_000  # 80 % would be ¥3,920: trimmed to the cap
    assert sum(line.subsidy_fen for line in p.lines.all()) == 350_000
    assert all(line.subsidy_fen <= line.amount_fen for line in p.lines.all())


def test_a_person_without_a_qualifying_category_pays_in_full(jiangcheng, new_person, item):
    p = _assessed(jiangcheng, new_person(), item)
    assert p.rule is None and p.subsidy_fen == 0 and p.self_fen == p.total_fen
    assert "自付" in p.rule_name


def test_the_rule_valid_on_the_assessment_day_applies(jiangcheng, new_person, item, today):
    SubsidyRule.objects.filter(rank=1).update(valid_to=today - dt.timedelta(days=1))
    SubsidyRule.objects.create(rank=1, name="特困供养、低保老年人（新标准）", categories=["tekun", "dibao"], percent=90,
                               cap_fen=600_000, valid_from=today, document_no="阳民〔2026〕演示1号")
    person = new_person()
    give_category(person, "tekun")
    p = _assessed(jiangcheng, person, item, [L(item("grab-bar-bath"), 1)])
    assert p.subsidy_fen == 16_200 and "新标准" in p.rule_name


def test_a_subsidy_above_the_item_price_is_refused(jiangcheng, new_person, item):
    person = new_person()
    give_category(person, "tekun")
    p = services.project_apply(by=jiangcheng, person=person, address="北门路1号")
    with pytest.raises(ValidationFailed) as exc:
        services.project_assess(by=jiangcheng, project=p, needs="需要扶手",
                                lines=[L(item("grab-bar-bath"), 1, subsidy_fen=18_001)])
    assert "超过该项目的价格" in exc.value.message
    assert exc.value.details == {f"sub_{item('grab-bar-bath').pk}": exc.value.message}
    assert Project.objects.get(pk=p.pk).status == ProjectStatus.APPLIED


def test_a_subsidy_above_the_rules_share_or_cap_is_refused(jiangcheng, new_person, item):
    person = new_person()
    give_category(person, "veteran")  # 60 %, at most ¥2,000
    p = services.project_apply(by=jiangcheng, person=person, address="北门路1号")
    with pytest.raises(ValidationFailed, match="超过补贴规则的比例"):
        services.project_assess(by=jiangcheng, project=p, needs="扶手",
                                lines=[L(item("grab-bar-bath"), 1, subsidy_fen=12_000)])
    with pytest.raises(ValidationFailed, match="超过补贴规则的每户上限"):
        services.project_assess(by=jiangcheng, project=p, needs="蹲改坐",
                                lines=[L(item("squat-to-seat"), 3, subsidy_fen=210_000)])
    ok = services.project_assess(by=jiangcheng, project=p, needs="扶手", lines=[L(item("grab-bar-bath"), 1, subsidy_fen=5_000)])
    assert ok.subsidy_fen == 5_000  # a lower figure than the rule's is kept


def test_the_database_refuses_a_line_subsidy_above_its_amount(jiangcheng, new_person, item):
    from django.db import IntegrityError, transaction

    p = _assessed(jiangcheng, new_person(), item)
    line = p.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(line).objects.filter(pk=line.pk).update(subsidy_fen=line.amount_fen + 1)


def test_acceptance_before_completion_is_refused(jiangcheng, new_person, item, contractor):
    p = _assessed(jiangcheng, new_person(), item)
    with pytest.raises(Conflict, match="尚未完工"):
        services.project_accept(by=jiangcheng, project=p, comment="同意")
    p = services.project_start(by=jiangcheng, project=p, contractor=contractor)
    with pytest.raises(Conflict, match="尚未完工"):
        services.project_accept(by=jiangcheng, project=p, comment="同意")
    assert Project.objects.get(pk=p.pk).status == ProjectStatus.CONSTRUCTION


def test_completion_needs_a_photo_of_the_finished_work(jiangcheng, new_person, item, contractor):
    p = services.project_start(by=jiangcheng, project=_assessed(jiangcheng, new_person(), item), contractor=contractor)
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="前.png", kind=PhotoKind.BEFORE)
    with pytest.raises(ValidationFailed, match="改造后的照片"):
        services.project_complete(by=jiangcheng, project=p)


def test_a_photo_that_is_not_an_image_is_refused_whatever_its_name(jiangcheng, new_person, item):
    p = _assessed(jiangcheng, new_person(), item)
    for content, name in ((b"%PDF-1.4 not a photo", "扶手.jpg"), (b"MZ\x90\x00" * 100, "photo.png"),
                          (png()[:60], "cut.png")):
        with pytest.raises(ValidationFailed, match="不是图片文件"):
            services.photo_add(by=jiangcheng, project=p, content=content, filename=name, kind=PhotoKind.BEFORE)
    assert not p.photos.exists()


def test_an_image_format_outside_jpeg_png_webp_is_refused(jiangcheng, new_person, item):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="GIF")
    p = _assessed(jiangcheng, new_person(), item)
    with pytest.raises(ValidationFailed, match="格式不受支持"):
        services.photo_add(by=jiangcheng, project=p, content=out.getvalue(), filename="a.gif", kind=PhotoKind.BEFORE)


def test_a_photo_over_the_size_limit_or_empty_is_refused(jiangcheng, new_person, item, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "homeadapt_photo": (1, 0)}
    p = _assessed(jiangcheng, new_person(), item)
    with pytest.raises(ValidationFailed, match="超过适老化改造照片每个文件 1 MB 的上限"):
        services.photo_add(by=jiangcheng, project=p, content=png() + b"\0" * (1024 * 1024), filename="big.png",
                           kind=PhotoKind.BEFORE)
    with pytest.raises(ValidationFailed, match="空的"):
        services.photo_add(by=jiangcheng, project=p, content=b"", filename="empty.png", kind=PhotoKind.BEFORE)


def test_an_after_photo_before_the_works_start_is_refused(jiangcheng, new_person, item):
    p = _assessed(jiangcheng, new_person(), item)
    with pytest.raises(Conflict, match="开工后"):
        services.photo_add(by=jiangcheng, project=p, content=png(), filename="后.png", kind=PhotoKind.AFTER)


def test_a_second_open_project_for_the_same_person_is_refused(jiangcheng, new_person):
    person = new_person()
    services.project_apply(by=jiangcheng, person=person, address="北门路1号")
    with pytest.raises(Conflict, match="未办结"):
        services.project_apply(by=jiangcheng, person=person, address="北门路1号")


def test_return_sends_the_works_back_and_reject_ends_an_application(jiangcheng, new_person, item, contractor):
    p = services.project_start(by=jiangcheng, project=_assessed(jiangcheng, new_person(), item), contractor=contractor)
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="后.png", kind=PhotoKind.AFTER)
    p = services.project_complete(by=jiangcheng, project=p)
    with pytest.raises(ValidationFailed, match="退回原因"):
        services.project_return(by=jiangcheng, project=p, comment=" ")
    p = services.project_return(by=jiangcheng, project=p, comment="扶手松动，需重新固定")
    assert p.status == ProjectStatus.CONSTRUCTION and p.returns == 1 and p.completed_on is None
    with pytest.raises(Conflict, match="开工后不能再不予通过"):
        services.project_reject(by=jiangcheng, project=p, comment="不符合")
    other = services.project_apply(by=jiangcheng, person=new_person(), address="北门路2号")
    assert services.project_reject(by=jiangcheng, project=other, comment="已迁居市外").status == ProjectStatus.REJECTED


def test_acceptance_belongs_to_county_staff_of_the_projects_county(jiangcheng, yangxi, new_person, item, contractor):
    p = services.project_start(by=jiangcheng, project=_assessed(jiangcheng, new_person(), item), contractor=contractor)
    services.photo_add(by=jiangcheng, project=p, content=png(), filename="后.png", kind=PhotoKind.AFTER)
    p = services.project_complete(by=jiangcheng, project=p)
    community = make_user(Role.COMMUNITY_WORKER, "441702001001")
    for who in (yangxi, community):
        with pytest.raises(ValidationFailed, match="县（市、区）的工作人员"):
            services.project_accept(by=who, project=p, comment="同意")


def test_assessment_dates_in_the_future_or_before_the_application_are_refused(jiangcheng, new_person, item, today):
    p = services.project_apply(by=jiangcheng, person=new_person(), address="北门路1号", applied_on=today - dt.timedelta(days=3))
    with pytest.raises(ValidationFailed, match="晚于今天"):
        services.project_assess(by=jiangcheng, project=p, needs="x", lines=[L(item("night-light"), 1)],
                                assessed_on=today + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="早于申请日期"):
        services.project_assess(by=jiangcheng, project=p, needs="x", lines=[L(item("night-light"), 1)],
                                assessed_on=today - dt.timedelta(days=5))
    with pytest.raises(ValidationFailed, match="至少选择一个"):
        services.project_assess(by=jiangcheng, project=p, needs="x", lines=[])
