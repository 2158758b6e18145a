"""`yanglao timebank_check`: the ledger balances (all movements sum to zero) and every cached balance
equals the one derived from the movements; exits 1 otherwise."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from yanglao.timebank.selectors import ledger_check


class Command(BaseCommand):
    help = "检查时间银行账目：全部流水借贷合计为0，每个账户缓存余额与流水一致"

    def handle(self, *args: Any, **options: Any) -> None:
        check = ledger_check()
        for account, name, cached, derived in check.mismatches:
            self.stdout.write(f"账户 {account}（{name}）：缓存余额 {cached} 分钟，流水合计 {derived} 分钟")
        if check.ok:
            self.stdout.write(f"账平：{check.movements} 笔流水，{check.accounts} 个账户，合计 {check.total} 分钟")
            return
        self.stdout.write(f"账不平：合计 {check.total} 分钟，{len(check.mismatches)} 个账户不一致")
        sys.exit(1)
