import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.benefits.conftest import age_allowance, city_checker, older, run_month  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.benefits import services as benefit_services

MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def xlsx(header, rows, *, title=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(header, rows, encoding="gbk") -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def care_subsidy(city_admin):
    """A flat care subsidy (护理补贴) for everyone aged 60+ from 2025, 200 元 a month."""
    p = benefit_services.programme_create(by=city_admin, code="huli", name="护理补贴", kind="subsidy",
                                          legal_basis="阳民〔2025〕3号", band_basis="flat")
    benefit_services.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=60,
                              document_no="阳民〔2025〕3号")
    benefit_services.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), amount="200",
                              label="统一标准", document_no="阳民〔2025〕3号")
    return p
