import datetime as dt

import pytest

from tests.conftest import make_id
from yanglao.timebank import services
from yanglao.timebank.defaults import ensure_default_scheme


@pytest.fixture
def scheme(db):
    ensure_default_scheme()  # transactional tests flush the migration's data
    return services.current_scheme()


@pytest.fixture
def make_member(jiangcheng, scheme):
    counter = {"n": 500}

    def create(kind="volunteer", *, birth="19900101", name="李志明", checked=True, trained=True, by=None, **data):
        counter["n"] += 1
        payload = {"kind": kind, "name": name, "division_code": "441702001001", **data}
        if kind == "volunteer":
            payload.setdefault("id_number", make_id(birth=birth, seq=f"{counter['n'] % 1000:03d}"))
            if trained:
                payload |= {"training_done_on": dt.date(2026, 1, 10), "training_hours": 8}
        member, code = services.member_create(by=by or jiangcheng, data=payload)
        if checked and kind != "team":
            services.member_check_identity(by=by or jiangcheng, member=member)
        member.refresh_from_db()
        member.card_code = code
        return member

    return create


@pytest.fixture
def elder(new_person, make_member):
    def create(name="黄秀英", birth="19480302"):
        person = new_person(name=name, id_number=make_id(birth=birth, seq=f"{abs(hash(name)) % 900 + 100:03d}"))
        return make_member("elder", person=person)

    return create


def serve(by, elder, volunteer, minutes=90, *, for_team=False):
    """The whole earning path: requested → taken → done → confirmed by the older person."""
    req = services.request_create(by=by, elder=elder, service_type="chat", scheduled_on=dt.date(2026, 11, 20))
    services.request_take(by=by, req=req, volunteer=volunteer, for_team=for_team)
    services.request_done(by=by, req=req, minutes=minutes)
    return services.request_verify(by=by, req=req, verified_by="elder")
