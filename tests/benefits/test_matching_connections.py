"""Matching reads the registry on a second connection when the import is its connection's outermost
transaction (two PostgreSQL backends at once: the probes on one, the writing on the other), and on the
request's own connection inside a caller's transaction, which may hold people not yet committed. Both give
the same rows; a failure on either connection leaves no batch and no rows."""

import pytest
from django.db import connections

from tests.benefits.test_audit_bad_input import TODAY, _fail_on_second_chunk, gbk_csv, two_paid  # noqa: F401
from tests.conftest import make_id
from yanglao.benefits import matching
from yanglao.benefits.models import MatchBatch, MatchRow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_connections(monkeypatch):
    """Counts the connections the resolver opens of its own."""
    made = []
    real = connections.create_connection

    def create_connection(alias):
        made.append(alias)
        return real(alias)

    monkeypatch.setattr(connections, "create_connection", create_connection)
    return made


def _death_list(a, b):
    return gbk_csv([
        "死亡人员名单",
        "姓名,身份证号码,死亡日期",
        f"{a.name},{a.plain_id},2026-10-03",
        f"无此人,{make_id(birth='19400101', seq='301')},2026-10-04",
        f"{b.name},{b.plain_id},2026-10-05",
        f"外市,{make_id(region='440305', birth='19400101', seq='111')},2026-10-04",
        f"{a.name},{a.plain_id},2026-10-03",
    ])


def test_an_import_outside_any_transaction_reads_people_on_its_own_connection_with_the_same_outcomes(
        jiangcheng, two_paid, second_connections, monkeypatch):  # noqa: F811
    a, b = two_paid
    monkeypatch.setattr(matching, "CHUNK_ROWS", 2)  # three chunks through the pipeline
    batch = matching.match_import(by=jiangcheng, kind="death", filename="两个连接.csv", content=_death_list(a, b),
                                  source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert second_connections == ["default"]
    rows = {r.row_no: r for r in MatchRow.objects.filter(batch=batch)}
    assert rows[3].person_id == a.pk and rows[3].outcome == "change" and rows[3].division_code == a.division_code
    assert rows[5].person_id == b.pk and "登记死亡（2026-10-05）" in rows[5].detail
    assert rows[4].outcome == "not_found" and rows[4].person_id is None
    assert rows[6].outcome == "bad" and "外市身份证号码" in rows[6].reason
    assert rows[7].outcome == "bad" and "与第 3 行重复" in rows[7].reason and rows[7].person_id is None
    assert (batch.rows, batch.changes, batch.not_found, batch.bad) == (5, 2, 1, 2)


def test_a_failure_on_the_writing_connection_closes_the_reading_one_and_leaves_nothing(
        jiangcheng, two_paid, second_connections, monkeypatch):  # noqa: F811
    a, b = two_paid
    monkeypatch.setattr(matching, "CHUNK_ROWS", 1)
    monkeypatch.setattr(matching._Matcher, "_match", _fail_on_second_chunk(matching._Matcher._match))
    with pytest.raises(Exception, match="second chunk"):
        matching.match_import(by=jiangcheng, kind="death", filename="坏.csv", content=_death_list(a, b),
                              source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert second_connections == ["default"]
    assert not MatchBatch.objects.exists() and not MatchRow.objects.exists()


def test_a_failure_on_the_reading_connection_leaves_nothing_and_the_file_imports_again(
        jiangcheng, two_paid, second_connections, monkeypatch):  # noqa: F811
    a, b = two_paid
    monkeypatch.setattr(matching, "CHUNK_ROWS", 1)
    monkeypatch.setattr(matching, "RESOLVE_SQL", matching.RESOLVE_SQL.replace("people_person", "no_such_table"))
    with pytest.raises(Exception, match="no_such_table"):
        matching.match_import(by=jiangcheng, kind="death", filename="坏.csv", content=_death_list(a, b),
                              source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert not MatchBatch.objects.exists() and not MatchRow.objects.exists()
    monkeypatch.undo()
    batch = matching.match_import(by=jiangcheng, kind="death", filename="坏.csv", content=_death_list(a, b),
                                  source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert (batch.rows, batch.changes) == (5, 2)


def test_inside_a_callers_transaction_people_not_yet_committed_are_found_on_the_same_connection(
        jiangcheng, two_paid, new_person, second_connections):  # noqa: F811
    from django.db import transaction

    a, b = two_paid
    idno = make_id(birth="19400202", seq="555")
    with transaction.atomic():
        c = new_person(name="陈新登", id_number=idno)
        batch = matching.match_import(by=jiangcheng, kind="death", filename="同一事务.csv",
                                      content=gbk_csv(["姓名,身份证号码,死亡日期", f"陈新登,{idno},2026-10-03"]),
                                      source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
        assert MatchRow.objects.get(batch=batch).person_id == c.pk
    assert second_connections == []
