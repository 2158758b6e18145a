"""Demo policy tasks (演示数据): the 40 tasks loaded from the policy text, and their history.

The table's dates are 2020–2022 and the demo runs years later, so every dated task would otherwise be either done
or overdue. The demo therefore tells a plausible story (docs/policytasks.md):
- most dated targets were met, on time or late ("逾期完成"), the "…并持续实施" ones then continue;
- two targets are still not met and show as overdue (comprehensive centres in every street, the 50 % nursing-bed
  share), with monthly reports of where they stand;
- the bureau has re-set three deadlines with a reason (调整时限): two fall within 30 days (临近到期), one next year
  (正常推进);
- the continuing tasks carry monthly reports of the last six months from the lead, the city co-units and each
  county; a few units have not reported this month yet, so their to-do and the reminder have something to say.
Dates are relative to today, so the statuses stay meaningful whenever the demo is built.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from yanglao.core.models import User
from yanglao.core.roles import Role

from . import services
from .models import Assignment, Attachment, Consolidation, ProgressReport, Task

# number: (completed on, ) — dated targets met: on time, or late.
DONE = {1: dt.date(2020, 11, 20), 2: dt.date(2021, 12, 15), 3: dt.date(2021, 10, 26), 4: dt.date(2022, 5, 30),
        11: dt.date(2020, 12, 18), 12: dt.date(2020, 12, 28), 15: dt.date(2021, 3, 31), 10: dt.date(2024, 6, 28),
        5: dt.date(2021, 12, 20), 6: dt.date(2020, 10, 30), 7: dt.date(2021, 11, 30), 9: dt.date(2020, 9, 30),
        13: dt.date(2020, 12, 25), 18: dt.date(2020, 12, 10), 20: dt.date(2020, 12, 29), 21: dt.date(2021, 12, 28),
        24: dt.date(2020, 11, 30), 27: dt.date(2021, 6, 30), 28: dt.date(2020, 12, 22), 40: dt.date(2021, 12, 30)}
OVERDUE_PROGRESS = {17: 86, 22: 81}
# number: (days from today, reason) — the bureau's re-set deadlines.
REVISED = {
    19: (18, "住建部门适老化改造地方标准报省审查，市联席会议同意调整至年底前出台"),
    29: (25, "“时间银行”平台与省平台对接延后，市联席会议同意调整完成时限"),
    8: (210, "2026年市政府重新部署闲置资产盘活工作，方案随之修订"),
}
REVISED_PROGRESS = {19: 90, 29: 75, 8: 55}

PHRASES = [
    "已召开专题会议研究部署，明确责任科室和时间节点",
    "已印发工作方案并分解到各科室",
    "本月开展实地督导，发现问题已即时整改",
    "已收集各地落实情况并形成台账",
    "相关政策文件已完成征求意见，正在合法性审查",
    "已将工作纳入年度绩效考核",
    "本月组织业务培训一期，参训人员约60人",
    "已与相关部门会商，形成联合推进意见",
]
COUNTY_PHRASES = [
    "本县已落实专人负责，按月报送工作进展",
    "已完成辖区摸底排查，建立工作台账",
    "各乡镇（街道）已按要求部署，正在推进",
    "县政府常务会议已专题研究，资金已纳入预算",
]
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _months_back(today: dt.date, n: int) -> dt.date:
    y, m = today.year, today.month - n
    while m <= 0:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


def _reporter(a: Assignment, by_org: dict[int, User], county: dict[str, User], city: User) -> tuple[User, bool]:
    if a.organisation_id in by_org:
        return by_org[a.organisation_id], False
    if a.division_code in county:
        return county[a.division_code], False
    return city, a.organisation.name != services.BUREAU


def load_demo(*, seed: int) -> str:
    result = services.load_table()
    if ProgressReport.objects.exists():
        return f"{result}；政策任务演示进展已存在，未重复生成"
    city = User.objects.filter(username="city").first() or User.objects.filter(role=Role.CITY_ADMIN).first()
    if city is None:
        return f"{result}；未找到市级管理员，跳过政策任务演示进展"
    rng = random.Random(seed + 16)
    today = timezone.localdate()
    by_org = {u.organisation_id: u for u in User.objects.filter(role=Role.RESPONSIBLE_UNIT).order_by("pk")}
    county = {str(u.division_id): u for u in User.objects.filter(role=Role.COUNTY_STAFF).order_by("pk")}
    tasks = {t.number: t for t in Task.objects.select_related("lead")}
    reports: list[ProgressReport] = []
    consolidations: list[Consolidation] = []
    recent = [_months_back(today, n) for n in range(5, -1, -1)]  # six months, the current one last

    def report(a: Assignment, period: dt.date, day: dt.date, percent: int, text: str) -> None:
        who, behalf = _reporter(a, by_org, county, city)
        reports.append(ProgressReport(assignment=a, task_id=a.task_id, organisation_id=a.organisation_id,
                                      division_code=a.division_code, period=period, reported_on=day, percent=percent,
                                      text=text, reported_by=who, on_behalf=behalf))

    for number, task in sorted(tasks.items()):
        assignments = list(task.assignments.select_related("organisation"))
        if number in DONE:
            done_on = DONE[number]
            # The three months before completion, then the completion itself.
            for k, pct in ((3, 40), (2, 65), (1, 85)):
                period = _months_back(done_on, k)
                for a in assignments:
                    if a.division_code == "4417" or rng.random() < 0.5:
                        report(a, period, period + dt.timedelta(days=24), pct + rng.randint(-5, 5),
                               f"{period.month}月：{rng.choice(COUNTY_PHRASES if a.division_code != '4417' else PHRASES)}。")
                consolidations.append(Consolidation(task=task, period=period, reported_on=period + dt.timedelta(days=27),
                                                    percent=pct, text=f"{period:%Y年%m月}汇总：各责任单位按计划推进，总体进度约{pct}%。",
                                                    reported_by=by_org.get(task.lead_id, city), organisation_id=task.lead_id))
            for a in assignments:
                report(a, done_on.replace(day=1), done_on, 100, f"已完成：{task.title.rstrip('。')}。相关文件已报市民政局备案。")
            consolidations.append(Consolidation(task=task, period=done_on.replace(day=1), reported_on=done_on, percent=100,
                                                completed=True, text=f"第{number}项时限目标已完成，{task.title.rstrip('。')}。",
                                                reported_by=by_org.get(task.lead_id, city), organisation_id=task.lead_id))
            task.completed_on = done_on
            task.progress = 100
            task.last_consolidated_on = done_on
        start = {**OVERDUE_PROGRESS, **REVISED_PROGRESS}.get(number)
        for i, period in enumerate(recent if task.continuing or number not in DONE else []):
            current = i == len(recent) - 1
            day = min(period + dt.timedelta(days=rng.randint(18, 26)), today)
            for a in assignments:
                if a.division_code != "4417" and i < 3:
                    continue  # counties: the last three months
                if current and (a.division_code == "441721" or a.organisation_id == task.lead_id and number % 5 == 0
                                or rng.random() < 0.25):
                    continue  # not yet reported this month
                if start is not None:
                    pct = min(99, start - 2 * (len(recent) - 1 - i) + rng.randint(-3, 3))
                else:
                    pct = 100
                phrase = rng.choice(COUNTY_PHRASES if a.division_code != "4417" else PHRASES)
                report(a, period, day, max(0, pct), f"{period.month}月：{phrase}。")
            if current and number % 5 == 0:
                continue
            pct = start - 2 * (len(recent) - 1 - i) if start is not None else 100
            consolidations.append(Consolidation(task=task, period=period, reported_on=day, percent=pct,
                                                text=f"{period:%Y年%m月}汇总：{rng.choice(PHRASES)}；"
                                                     + ("持续推进，未发现突出问题。" if start is None else f"时限目标尚未完成，总体进度约{pct}%。"),
                                                completed=False, reported_by=by_org.get(task.lead_id, city),
                                                organisation_id=task.lead_id))
            task.progress = pct
            task.last_consolidated_on = day
        if number in REVISED:
            days, reason = REVISED[number]
            task.revised_due = today + dt.timedelta(days=days)
            task.revised_reason = reason
        task.save()
    ProgressReport.objects.bulk_create(reports, batch_size=500)
    # Completion and monthly consolidations share a month only when a task was done in the last six months: keep one.
    seen: set[tuple[int, dt.date]] = set()
    unique = []
    for c in consolidations:
        if (c.task_id, c.period) not in seen:
            seen.add((c.task_id, c.period))
            unique.append(c)
    Consolidation.objects.bulk_create(unique, batch_size=500)
    # Each unit's latest report becomes its assignment's progress.
    for a in Assignment.objects.all():
        last = a.reports.order_by("-reported_on", "-pk").first()
        if last is not None:
            a.percent, a.last_reported_on = last.percent, last.reported_on
            a.save(update_fields=["percent", "last_reported_on"])
    # A meeting record attached to a few of this month's and last month's reports.
    for r in ProgressReport.objects.filter(period__gte=recent[-2], division_code="4417").order_by("pk")[:12]:
        Attachment.objects.create(report=r, filename=f"第{r.task.number}项工作进展材料.pdf", content_type="application/pdf",
                                  size=len(PDF), content=PDF, division_code=r.division_code, organisation_id=r.organisation_id)
    return f"{result}；演示进展报送 {len(reports)} 条、汇总 {len(unique)} 条"
