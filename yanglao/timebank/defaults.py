"""The scheme's rules shipped with the platform (演示数值 until Yangjiang publishes its own).

Sources: 北京市养老服务时间银行实施方案（试行）(京民养老发〔2022〕8号): 1 hour of service = 1 time coin,
depositors aged 18+ after training, redeemable from 60 or given to direct relatives; 南京市养老服务时间银行
实施方案（试行）(宁民福〔2019〕179号): individuals and teams, a personal cap of 1,500 hours, team hours for
donation only, a fund for the neediest older people."""

from __future__ import annotations

import datetime as dt

DIRECT_RELATIVES = ["父母", "子女", "配偶", "祖父母", "外祖父母", "孙子女", "外孙子女"]

DEFAULT_SCHEME = {
    "name": "阳江市养老服务时间银行（演示）",
    "valid_from": dt.date(2022, 1, 1),
    "minutes_per_hour": 60,
    "cap_minutes": 1500 * 60,
    "volunteer_min_age": 18,
    "redeem_min_age": 60,
    "gift_relations": DIRECT_RELATIVES,
    "team_donate_only": True,
    "expiry_years": None,
    "source": "演示数值，参照京民养老发〔2022〕8号（北京）、宁民福〔2019〕179号（南京）",
}


def ensure_default_scheme(scheme_model=None):  # type: ignore[no-untyped-def]
    if scheme_model is None:
        from .models import Scheme as scheme_model
    if not scheme_model.objects.exists():
        scheme_model.objects.create(**DEFAULT_SCHEME)
