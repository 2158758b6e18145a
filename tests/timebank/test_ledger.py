"""The time bank's promises: hours appear only after the older person confirms, the ledger always sums
to zero, no account is overdrawn (also under 50 concurrent redemptions), and the scheme's rules hold."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum

from tests.timebank.conftest import serve
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.timebank import selectors, services
from yanglao.timebank.models import Account, AccountKind, Member, ServiceRequest, Transfer

pytestmark = pytest.mark.django_db


def assert_ledger_balances():
    check = selectors.ledger_check()
    assert check.total == 0
    assert check.mismatches == []
    # every movement: its debit and credit entries sum to zero, account by account
    derived = selectors.derived_balances()
    assert sum(derived.values()) == 0
    debits = Transfer.objects.aggregate(s=Sum("minutes"))["s"] or 0
    assert sum(v for v in derived.values() if v > 0) - sum(-v for v in derived.values() if v < 0) == 0
    assert debits >= 0


def test_a_volunteer_serves_the_neighbour_who_confirms_and_years_later_the_volunteers_mother_redeems(
        jiangcheng, make_member, elder):
    neighbour = elder("黄秀英", "19480302")
    volunteer = make_member(name="李志明", birth="19900101")
    req = serve(jiangcheng, neighbour, volunteer, minutes=90)
    assert req.status == "verified" and req.minutes_deposited == 90
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 90
    # the volunteer (36) may not redeem, but may give to his mother (68), who redeems
    with pytest.raises(Conflict) as too_young:
        services.redeem(by=jiangcheng, member=volunteer, minutes=60)
    assert too_young.value.code == "too_young"
    mother = elder("王桂芳", "19580506")
    services.relative_add(by=jiangcheng, member=volunteer, relative=mother, relation="父母", document="户口簿")
    services.gift(by=jiangcheng, member=volunteer, relative=mother, minutes=60)
    services.redeem(by=jiangcheng, member=mother, minutes=60, today=dt.date(2030, 6, 1))
    mother.account.refresh_from_db()
    volunteer.account.refresh_from_db()
    assert (volunteer.account.balance_minutes, mother.account.balance_minutes) == (30, 0)
    statement = selectors.statement(volunteer.account)
    assert [(r["t"].kind, r["amount"], r["balance"]) for r in statement] == [("gift", -60, 30), ("deposit", 90, 90)]
    assert_ledger_balances()


def test_a_volunteer_of_sixty_redeems_their_own_hours_years_later(jiangcheng, make_member, elder):
    volunteer = make_member(name="陈国强", birth="19700101")
    serve(jiangcheng, elder(), volunteer, minutes=120)
    with pytest.raises(Conflict):
        services.redeem(by=jiangcheng, member=volunteer, minutes=60, today=dt.date(2029, 12, 31))
    services.redeem(by=jiangcheng, member=volunteer, minutes=60, today=dt.date(2030, 1, 1))
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 60
    assert_ledger_balances()


def test_no_hours_appear_before_confirmation_and_disputed_hours_are_held_until_resolved(jiangcheng, make_member, elder):
    old, volunteer = elder(), make_member()
    req = services.request_create(by=jiangcheng, elder=old, service_type="clean", scheduled_on=dt.date(2026, 11, 1))
    services.request_take(by=jiangcheng, req=req, volunteer=volunteer)
    services.request_done(by=jiangcheng, req=req, minutes=180)
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 0  # done, not yet confirmed
    services.request_dispute(by=jiangcheng, req=req, reason="实际只服务了1小时")
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 0  # held: not spendable
    with pytest.raises(Conflict):
        services.request_verify(by=jiangcheng, req=req, verified_by="elder")
    with pytest.raises(ValidationFailed):
        services.request_resolve(by=jiangcheng, req=req, minutes=240, resolution="超过申报")
    services.request_resolve(by=jiangcheng, req=req, minutes=60, resolution="经社区核实按1小时认定")
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 60
    assert_ledger_balances()


def test_a_dispute_resolved_with_zero_deposits_nothing(jiangcheng, make_member, elder):
    old, volunteer = elder(), make_member()
    req = services.request_create(by=jiangcheng, elder=old, service_type="clean", scheduled_on=dt.date(2026, 11, 1))
    services.request_take(by=jiangcheng, req=req, volunteer=volunteer)
    services.request_done(by=jiangcheng, req=req, minutes=60)
    services.request_dispute(by=jiangcheng, req=req, reason="未上门")
    req = services.request_resolve(by=jiangcheng, req=req, minutes=0, resolution="核实未服务")
    assert req.status == "rejected" and not Transfer.objects.filter(service=req).exists()


def test_a_request_is_confirmed_once_and_deposits_once(jiangcheng, make_member, elder):
    req = serve(jiangcheng, elder(), make_member())
    with pytest.raises(Conflict):
        services.request_verify(by=jiangcheng, req=req, verified_by="elder")
    assert Transfer.objects.filter(service=req).count() == 1


def test_an_organisation_can_confirm_the_service(jiangcheng, make_member, elder):
    org = make_member("organisation", name="北门社区居委会")
    volunteer = make_member()
    req = services.request_create(by=jiangcheng, elder=elder(), service_type="meal", scheduled_on=dt.date(2026, 11, 2))
    services.request_take(by=jiangcheng, req=req, volunteer=volunteer)
    services.request_done(by=jiangcheng, req=req, minutes=45)
    with pytest.raises(ValidationFailed):
        services.request_verify(by=jiangcheng, req=req, verified_by="organisation")
    req = services.request_verify(by=jiangcheng, req=req, verified_by="organisation", verifier=org)
    assert req.verifier == org and req.minutes_deposited == 45


def test_only_checked_and_trained_volunteers_take_services(jiangcheng, make_member, elder):
    old = elder()
    req = services.request_create(by=jiangcheng, elder=old, service_type="chat", scheduled_on=dt.date(2026, 11, 2))
    with pytest.raises(Conflict) as unchecked:
        services.request_take(by=jiangcheng, req=req, volunteer=make_member(checked=False))
    assert unchecked.value.code == "identity_unchecked"
    with pytest.raises(Conflict) as untrained:
        services.request_take(by=jiangcheng, req=req, volunteer=make_member(trained=False))
    assert untrained.value.code == "untrained"


def test_volunteers_under_eighteen_are_refused(make_member):
    with pytest.raises(ValidationFailed) as exc:
        make_member(birth="20100101")
    assert "id_number" in exc.value.details


def test_a_bad_id_number_is_refused_on_the_field(jiangcheng, scheme):
    with pytest.raises(ValidationFailed) as exc:
        services.member_create(by=jiangcheng, data={"kind": "volunteer", "name": "张三", "id_number": "441702199001011234",
                                                    "division_code": "441702001001"})
    assert "校验位" in exc.value.details["id_number"]


def test_one_member_per_id_number(jiangcheng, make_member):
    from tests.conftest import make_id

    make_member(id_number=make_id(birth="19850101", seq="777"))
    with pytest.raises(Conflict):
        services.member_create(by=jiangcheng, data={"kind": "volunteer", "name": "重复", "division_code": "441702001001",
                                                    "id_number": make_id(birth="19850101", seq="777")})


def test_the_id_number_is_stored_encrypted_and_shown_masked(make_member):
    m = make_member(birth="19880808")
    raw = Member.objects.filter(pk=m.pk).values_list("id_number_enc", flat=True).get()
    assert raw.startswith("v2:") and "19880808" not in raw
    assert m.id_number_masked.startswith("441702") and "*" in m.id_number_masked


def test_gifts_go_only_to_registered_direct_relatives(jiangcheng, make_member, elder):
    volunteer = make_member()
    serve(jiangcheng, elder(), volunteer, minutes=120)
    stranger = elder("赵大妈", "19500707")
    with pytest.raises(Conflict) as exc:
        services.gift(by=jiangcheng, member=volunteer, relative=stranger, minutes=30)
    assert exc.value.code == "not_a_relative"
    with pytest.raises(ValidationFailed):
        services.relative_add(by=jiangcheng, member=volunteer, relative=stranger, relation="邻居", document="无")


def test_team_hours_can_only_be_donated_and_the_fund_grants_them(jiangcheng, make_member, elder):
    team = make_member("team", name="北门青年志愿服务队")
    volunteer = make_member(team=team)
    serve(jiangcheng, elder(), volunteer, minutes=120, for_team=True)
    team.account.refresh_from_db()
    volunteer.account.refresh_from_db()
    assert (team.account.balance_minutes, volunteer.account.balance_minutes) == (120, 0)
    with pytest.raises(Conflict):
        services.redeem(by=jiangcheng, member=team, minutes=60)
    with pytest.raises(Conflict):
        services.gift(by=jiangcheng, member=team, relative=volunteer, minutes=60)
    services.donate(by=jiangcheng, member=team, minutes=120)
    needy = elder("孤寡老人", "19400101")
    services.grant(by=jiangcheng, elder=needy, minutes=90, reason="特困独居")
    needy.account.refresh_from_db()
    assert needy.account.balance_minutes == 90
    assert Account.objects.get(kind=AccountKind.FUND).balance_minutes == 30
    assert_ledger_balances()


def test_deposits_stop_at_the_cap_and_the_rest_is_recorded(jiangcheng, make_member, elder, scheme):
    scheme.cap_minutes = 100
    scheme.save()
    volunteer = make_member()
    old = elder()
    serve(jiangcheng, old, volunteer, minutes=80)
    req = serve(jiangcheng, old, volunteer, minutes=60)
    assert (req.minutes_deposited, req.minutes_over_cap) == (20, 40)
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 100


def test_an_overdraft_is_refused_and_the_database_refuses_a_negative_member_balance(jiangcheng, make_member, elder):
    old = elder("钱奶奶", "19450101")
    services.grant  # noqa: B018 - documented path: the fund starts empty
    with pytest.raises(Conflict) as exc:
        services.redeem(by=jiangcheng, member=old, minutes=1)
    assert exc.value.code == "insufficient_balance"
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=old.account.pk).update(balance_minutes=-1)


def test_the_database_refuses_a_movement_of_zero_or_to_the_same_account(jiangcheng, make_member):
    a = make_member().account
    issue = Account.objects.get(kind=AccountKind.ISSUE)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(kind="deposit", debit=issue, credit=a, minutes=0, at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(kind="deposit", debit=a, credit=a, minutes=5, at=now)


def test_the_check_command_finds_a_cached_balance_that_disagrees_with_the_movements(jiangcheng, make_member, elder):
    from io import StringIO

    from django.core.management import call_command

    volunteer = make_member()
    serve(jiangcheng, elder(), volunteer, minutes=60)
    out = StringIO()
    call_command("timebank_check", stdout=out)
    assert "账平" in out.getvalue()
    Account.objects.filter(pk=volunteer.account.pk).update(balance_minutes=61)
    with pytest.raises(SystemExit):
        call_command("timebank_check", stdout=out)
    assert selectors.ledger_check().mismatches[0][2:] == (61, 60)


def test_expiry_moves_only_hours_older_than_the_validity_period(jiangcheng, make_member, elder, scheme, city_admin):
    volunteer = make_member()
    serve(jiangcheng, elder(), volunteer, minutes=100)
    Transfer.objects.filter(credit=volunteer.account).update(at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    serve(jiangcheng, elder("周阿婆", "19470101"), volunteer, minutes=30)
    assert services.expire(by=city_admin) == 0  # no validity period: nothing expires
    scheme.expiry_years = 3
    scheme.save()
    assert services.expire(by=city_admin, today=dt.date(2026, 11, 29)) == 1
    volunteer.account.refresh_from_db()
    assert volunteer.account.balance_minutes == 30
    assert_ledger_balances()


def test_other_counties_see_neither_members_nor_requests(jiangcheng, yangxi, make_member, elder):
    from yanglao.core.scope import restrict

    serve(jiangcheng, elder(), make_member())
    assert restrict(Member.objects.all(), yangxi).count() == 0
    assert restrict(ServiceRequest.objects.all(), yangxi).count() == 0
    assert restrict(Transfer.objects.all(), yangxi).count() == 0
    assert restrict(Member.objects.all(), jiangcheng).count() == 2


def test_staff_may_not_register_members_outside_their_jurisdiction(yangxi, scheme):
    from tests.conftest import make_id

    with pytest.raises(ValidationFailed):
        services.member_create(by=yangxi, data={"kind": "volunteer", "name": "张三", "division_code": "441702001001",
                                                "id_number": make_id(birth="19900101", seq="888")})


def test_the_leaderboard_masks_names(jiangcheng, make_member, elder):
    serve(jiangcheng, elder(), make_member(name="张晓明"), minutes=200)
    board = selectors.leaderboard(division_prefix="4417")
    assert board[0]["name"] == "张*明" and board[0]["minutes"] == 200
    assert selectors.mask_name("李红") == "李*" and selectors.mask_name("欧阳小明") == "欧**明"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrent connections")
def test_fifty_concurrent_redemptions_and_gifts_never_take_the_account_below_zero(divisions):
    from tests.conftest import make_id
    from yanglao.people import services as people_services
    from yanglao.timebank.defaults import ensure_default_scheme

    ensure_default_scheme()
    for kind in ("issue", "redeemed", "fund", "expired"):
        services.system_account(kind)
    staff = make_user(Role.COUNTY_STAFF, "441702", username="racer")
    person = people_services.person_create(by=staff, data={"name": "老李", "id_number": make_id(birth="19500101", seq="001"),
                                                          "division_code": "441702001001", "living_situation": "alone"})
    old, _ = services.member_create(by=staff, data={"kind": "elder", "person": person})
    son_person = people_services.person_create(by=staff, data={"name": "老李弟", "id_number": make_id(birth="19520101", seq="002"),
                                                              "division_code": "441702001001", "living_situation": "alone"})
    brother, _ = services.member_create(by=staff, data={"kind": "elder", "person": son_person})
    services.relative_add(by=staff, member=old, relative=brother, relation="配偶", document="结婚证")
    services.donate  # noqa: B018
    # 10 hours on the account: 600 minutes; 50 attempts of 30 minutes = 1,500 asked for
    services._move(kind="grant", debit=services.system_account("issue"), credit=old.account, minutes=600, by=staff)
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50)

    def go(i: int) -> None:
        barrier.wait()
        try:
            if i % 5 == 0:
                services.gift(by=staff, member=Member.objects.get(pk=old.pk), relative=brother, minutes=30)
            else:
                services.redeem(by=staff, member=Member.objects.get(pk=old.pk), minutes=30)
            outcome = "ok"
        except Conflict as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 20 and results.count("insufficient_balance") == 30
    old.account.refresh_from_db()
    assert old.account.balance_minutes == 0
    assert Transfer.objects.filter(debit=old.account).count() == 20
    assert_ledger_balances()
