"""Rosters as offices send them: communities named in words, summary, instruction and example rows;
and the import's worker processes, which must store and report exactly what the in-process path does."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.people import importing
from yanglao.people.importing import import_create, run_job, template_workbook
from yanglao.people.models import Contact, Person, PersonCategory

from .conftest import make_id

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(user, content: bytes, name: str = "花名册.xlsx", all_or_nothing: bool = False):
    job = import_create(by=user, filename=name, content=content, all_or_nothing=all_or_nothing)
    return run_job(job.pk)


def errors_of(job) -> dict[int, tuple[str, str]]:
    return {e.row: (e.column, e.reason) for e in job.errors.all()}


@pytest.fixture
def nanen(divisions):
    return make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen")


def test_a_township_roster_naming_communities_without_a_code_column_imports_as_sent(nanen):
    roster = xlsx([
        ["南恩街道2026年高龄老人花名册"],
        ["序号", "姓名", "性别", "公民身份号码", "所属镇街", "所属村居", "居住情况", "联系电话"],
        [1, "陈秀英", "女", make_id(seq="402"), "南恩街道", "北门社区", "独居", "13800001234"],
        [2, "黄伯", "男", make_id(seq="411"), "南恩", "南恩社区居委会", "空巢", ""],
        [3, "梁大", "男", make_id(seq="421"), "南恩街道", "甜 酒\u3000社区", "留守", ""],        # spaces, ideographic space
        [4, "何二", "男", make_id(seq="431"), "", "龙津", "与子女同住", ""],                     # stem only, no township
        [5, "吴三", "男", make_id(seq="441"), "441702001000", "金鸡社区", "独居", ""],           # township as a padded code
    ])
    job = run(nanen, roster)
    assert job.status == "done", job.message
    assert "共 5 条，成功 5 条" in job.message and job.error_rows == 0
    codes = dict(Person.objects.values_list("name", "division_code"))
    assert codes == {"陈秀英": "441702001001", "黄伯": "441702001002", "梁大": "441702001003",
                     "何二": "441702001004", "吴三": "441702001005"}


def test_ambiguous_unknown_and_out_of_scope_names_are_reported_per_row_with_candidates(jiangcheng):
    roster = xlsx([
        ["姓名", "身份证号码", "所属镇街", "所属村居", "居住状况"],
        ["陈一", make_id(seq="501"), "", "白沙", "独居"],            # row 2: 白沙社区 and 白沙村, both in 白沙街道
        ["陈二", make_id(seq="511"), "", "白沙村", "独居"],          # row 3: the full name decides: 白沙村委会
        ["陈三", make_id(seq="521"), "", "新光村", "独居"],          # row 4: only in 阳西县 and 阳春市
        ["陈四", make_id(seq="531"), "", "火星社区", "独居"],        # row 5: nowhere
        ["陈五", make_id(seq="541"), "城南街道", "北门社区", "独居"],  # row 6: 北门社区 is in 南恩街道
        ["陈六", make_id(seq="551"), "春城街道", "东门社区", "独居"],  # row 7: a township of 阳春市
        ["陈七", make_id(seq="561"), "城南街道", "东门社区", "独居"],  # row 8: fine
        ["陈八", make_id(seq="571"), "", "", "独居"],                # row 9: no community
    ])
    job = run(jiangcheng, roster)
    errors = errors_of(job)
    assert errors[2] == ("D 所属村居", "找到多个同名村居：白沙街道白沙社区、白沙街道白沙村，请填写所属镇街或区划代码")
    assert errors[4] == ("D 所属村居", "“新光村”不在您的管辖范围内")
    assert errors[5][0] == "D 所属村居" and "找不到名为“火星社区”" in errors[5][1]
    assert errors[6] == ("D 所属村居", "“北门社区”不在“城南街道”内，请核对所属镇街")
    assert errors[7] == ("C 所属镇街", "“春城街道”不在您的管辖范围内")
    assert errors[9] == ("D 所属村居", "必填")
    assert set(errors) == {2, 4, 5, 6, 7, 9}
    assert dict(Person.objects.values_list("name", "division_code")) == {"陈二": "441702011201", "陈七": "441702002016"}
    assert "共 8 条，成功 2 条" in job.message and "错误 6 条" in job.message


def test_a_city_roster_names_the_candidates_across_counties_and_the_township_decides(city_admin):
    job = run(city_admin, xlsx([
        ["姓名", "身份证号码", "所属县区", "所属镇街", "所属村居", "居住状况"],
        ["林一", make_id(seq="601"), "", "", "东门社区", "独居"],
        ["林二", make_id(seq="611"), "阳春市", "", "东门社区", "独居"],
    ]))
    assert errors_of(job)[2][1] == "找到多个同名村居：城南街道东门社区、春城街道东门社区，请填写所属镇街或区划代码"
    assert Person.objects.get(name="林二").division_code == "441781001003"


def test_the_code_column_stays_accepted_and_wins_over_the_name(jiangcheng):
    job = run(jiangcheng, xlsx([
        ["姓名", "身份证号码", "居住社区代码", "所属村居", "居住状况"],
        ["郑一", make_id(seq="701"), "441702001002", "北门社区", "独居"],
        ["郑二", make_id(seq="711"), 441702001001, "", "独居"],  # a number cell
        ["郑三", make_id(seq="721"), "", "南恩社区", "独居"],
    ]))
    assert job.error_rows == 0, errors_of(job)
    assert dict(Person.objects.values_list("name", "division_code")) == {
        "郑一": "441702001002", "郑二": "441702001001", "郑三": "441702001002"}


def test_summary_instruction_blank_and_example_rows_are_skipped_not_reported(jiangcheng):
    wb = load_workbook(io.BytesIO(template_workbook()))
    ws = wb["老年人信息"]  # row 1 the header, row 2 the template's example, left in as offices do
    headers = [str(c.value).rstrip("*") for c in ws[1]]

    def person(name, seq, code="441702001001", living="独居"):
        row = [""] * len(headers)
        row[headers.index("姓名")] = name
        row[headers.index("身份证号码")] = make_id(seq=seq)
        row[headers.index("居住社区代码")] = code
        row[headers.index("居住状况")] = living
        return row

    rows = [person("冯一", "801"), [], person("冯二", "811", living="火星"), ["合计"], ["", "共 3 人"],
            ["填表说明：身份证号码须为文本格式"], ["注：本表一式两份"], ["填表人：李四", "", "", "审核人：王五"]]
    for r, row in enumerate(rows, start=3):  # the template formats 1,000 rows as text: write from row 3
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    job = run(jiangcheng, buf.getvalue(), name="模板.xlsx")
    assert list(errors_of(job)) == [5]
    assert job.total_rows == 2 and job.created_people == 1
    assert "共 2 条，成功 1 条" in job.message and "错误 1 条" in job.message
    assert "合计、说明或示例行 6 行" in job.message


def test_a_file_with_neither_the_code_nor_the_community_name_column_says_both(jiangcheng):
    job = run(jiangcheng, "姓名,身份证号码,居住状况\n张三,1,独居\n".encode(), name="a.csv")
    assert job.status == "failed" and "居住社区代码（或所属村居）" in job.message


# --- the worker processes -------------------------------------------------------------------------
def mixed_csv(n: int = 60) -> bytes:
    """Good rows, bad rows, duplicates far apart (in different chunks), named communities, contacts,
    categories and a summary line: everything the report and the stored rows depend on."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "身份证号码", "联系电话", "居住社区代码", "所属村居", "居住状况", "人员类别", "残疾等级",
                "紧急联系人", "紧急联系人电话"])
    for i in range(n):
        seq = f"{100 + i * 2:03d}"
        idn = make_id(seq=seq, birth=f"19{40 + i % 20}0101")
        if i % 11 == 3:
            idn = idn[:17] + ("0" if idn[17] != "0" else "1")  # check digit
        if i == 46:
            idn = make_id(seq="102", birth="19410101")  # duplicate of row 3, chunks apart
        code, name = ("441702001001", "") if i % 3 else ("", ["北门社区", "白沙", "新光村", "南恩"][i % 4])
        w.writerow([f"测试{chr(0x4e00 + i)}", idn, f"1380000{i:04d}" if i % 2 else "", code, name,
                    "独居" if i % 7 else "火星", "低保、重度残疾" if i % 5 == 0 else "", "一级" if i % 5 == 0 else "",
                    "李四" if i % 4 == 0 else "", "13900001234" if i % 4 == 0 else ""])
        if i == 30:
            w.writerow(["合计", "", "", "", "", "", "", "", "", ""])
    return out.getvalue().encode("utf-8")


def _stored() -> tuple[list, list, list]:
    people = list(Person.objects.order_by("id_number_hash").values_list(
        "name", "id_number_hash", "id_number_masked", "id_last4", "birth_date", "sex", "hukou_division_code",
        "division_code", "phone_hash", "phone_masked", "living_situation", "status"))
    categories = sorted(PersonCategory.objects.values_list("person__id_number_hash", "category", "valid_from",
                                                           "disability_grade", "division_code"))
    contacts = sorted(Contact.objects.values_list("person__id_number_hash", "name", "phone_hash", "phone_masked"))
    return people, categories, contacts


def test_the_parallel_path_stores_the_same_rows_and_reports_the_same_errors_as_in_process(
        jiangcheng, settings, monkeypatch):
    pools = []

    class CountedPool(importing.ProcessPoolExecutor):  # the real pool, counted
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(importing, "ProcessPoolExecutor", CountedPool)
    monkeypatch.setattr(importing, "BATCH", 10)  # rows move into the registry batch by batch while others are checked
    content = mixed_csv()
    settings.IMPORT_PARALLEL_MIN_ROWS = 100_000  # in this process
    alone = run(jiangcheng, content, name="a.csv")
    alone_errors = [(e.row, e.column, e.reason, e.value) for e in alone.errors.order_by("row", "id")]
    alone_rows = _stored()
    assert alone.created_people > 20 and len(alone_errors) > 15  # the file exercises both outcomes
    assert any("重复" in reason for _r, _c, reason, _v in alone_errors)
    assert pools == []
    Person.objects.all().delete()

    settings.IMPORT_PARALLEL_MIN_ROWS = 10  # worker processes, chunks of 7 rows, two workers
    settings.IMPORT_CHUNK_ROWS = 7
    settings.IMPORT_PROCESSES = 2
    parallel = run(jiangcheng, content, name="a.csv")
    assert pools == [2]
    assert [(e.row, e.column, e.reason, e.value) for e in parallel.errors.order_by("row", "id")] == alone_errors
    assert _stored() == alone_rows
    assert (parallel.total_rows, parallel.valid_rows, parallel.error_rows, parallel.created_people, parallel.message) == (
        alone.total_rows, alone.valid_rows, alone.error_rows, alone.created_people, alone.message)


def valid_csv(n: int = 40) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "身份证号码", "联系电话", "居住社区代码", "居住状况", "人员类别", "残疾等级", "紧急联系人", "紧急联系人电话"])
    for i in range(n):
        w.writerow([f"样本{chr(0x4e00 + i)}", make_id(seq=f"{300 + i * 2:03d}", birth=f"19{40 + i % 20}0101"),
                    f"1380000{i:04d}" if i % 2 else "", "441702001001", "独居", "低保、重度残疾" if i % 5 == 0 else "",
                    "一级" if i % 5 == 0 else "", "李四" if i % 4 == 0 else "", "13900001234" if i % 4 == 0 else ""])
    return out.getvalue().encode("utf-8")


def test_rows_copied_straight_into_the_registry_are_stored_as_the_staged_insert_stores_them(
        jiangcheng, monkeypatch, is_postgres):
    if not is_postgres:
        pytest.skip("COPY straight into the registry is the PostgreSQL path")
    batches = []
    original = importing._copy_batch
    monkeypatch.setattr(importing, "_copy_batch",
                        lambda job, rows, **kw: batches.append(len(rows)) or original(job, rows, **kw))
    monkeypatch.setattr(importing, "BATCH", 15)
    content = valid_csv()
    staged = run(jiangcheng, content, name="a.csv", all_or_nothing=True)  # all or nothing: staged, one INSERT … SELECT
    assert batches == [] and staged.created_people == 40
    staged_rows = _stored()
    Person.objects.all().delete()
    copied = run(jiangcheng, content, name="a.csv")
    assert batches == [15, 15, 10] and copied.created_people == 40
    assert _stored() == staged_rows
    again = run(jiangcheng, content, name="a.csv")  # registered people are skipped, nothing doubles
    assert (again.created_people, again.existing_people) == (0, 40) and _stored() == staged_rows


def test_a_file_mixing_registered_and_new_people_creates_only_the_new_with_their_categories(
        jiangcheng, monkeypatch, is_postgres):
    """New people are copied without a look-up until a batch meets a registered one; that batch is then
    rolled back and written again with the look-up, and so are the batches after it."""
    if not is_postgres:
        pytest.skip("COPY straight into the registry is the PostgreSQL path")
    calls = []
    original = importing._copy_batch
    monkeypatch.setattr(importing, "_copy_batch",
                        lambda job, rows, **kw: calls.append(kw.get("look_up")) or original(job, rows, **kw))
    monkeypatch.setattr(importing, "BATCH", 10)
    lines = valid_csv(40).decode("utf-8").splitlines()
    first = run(jiangcheng, "\n".join(lines[:1] + lines[21:41]).encode("utf-8"), name="a.csv")  # rows 20–39
    assert first.created_people == 20 and calls == [False, False]
    calls.clear()
    both = run(jiangcheng, valid_csv(40), name="b.csv")  # rows 0–19 are new, 20–39 registered
    assert (both.created_people, both.existing_people, both.error_rows) == (20, 20, 0)
    assert calls == [False, False, False, True, True]  # the third batch met registered people
    assert Person.objects.count() == 40
    with_categories = Person.objects.filter(categories__isnull=False).distinct().count()
    assert with_categories == 8  # every fifth person of 40, none doubled
    assert PersonCategory.objects.count() == 16  # 低保 and 重度残疾 each


def test_a_batch_that_meets_an_already_registered_hash_falls_back_to_the_staged_insert(jiangcheng, is_postgres):
    if not is_postgres:
        pytest.skip("COPY straight into the registry is the PostgreSQL path")
    job = import_create(by=jiangcheng, filename="a.csv", content=valid_csv(2), all_or_nothing=False)
    ctx = importing._CheckContext(job_id=job.pk, prefix="441702", today=importing.timezone.localdate(),
                                  communities=frozenset(["441702001001"]), names=None)
    rows = [(2, {"姓名": "样本一", "身份证号码": make_id(seq="901"), "居住社区代码": "441702001001", "居住状况": "独居"})]
    (_ok, _pos, staged), = importing._check_rows(rows, ctx, importing.Sealer())
    # the same person twice in one batch stands for a concurrent import registering them first: COPY meets the
    # unique hash, the batch's transaction is rolled back and the caller stages it instead
    assert importing._copy_batch(job, [staged, staged]) is None
    assert not Person.objects.exists()
    assert importing._copy_batch(job, [staged]) == (1, 0)


def test_the_example_row_is_recognised_by_its_id_cell_alone():
    from yanglao.people.importing import EXAMPLES
    from yanglao.people.roster import is_template_example

    assert is_template_example({"name": "王五", "id_number": EXAMPLES["id_number"]}, EXAMPLES)
    assert is_template_example({"name": "张三", "id_number": "44170219500101123X（请设置为文本格式）"}, EXAMPLES)
    assert not is_template_example({"name": "张三", "id_number": make_id(seq="990")}, EXAMPLES)
