"""Time bank pages: members, services (request → taken → done → confirmed → deposited), the ledger, and the
public balance lookup with recognition by community. Views decide nothing: services and selectors do."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_sensitive_view
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import selectors, services
from .forms import (
    DoneForm,
    GiftForm,
    MemberForm,
    MinutesForm,
    RelativeForm,
    RequestForm,
    ResolveForm,
    TakeForm,
    TrainingForm,
    VerifyForm,
)
from .models import Account, AccountKind, Member, MemberKind, ServiceRequest, ServiceStatus, Transfer


def _field_errors(form: Any, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)


@capability_required("timebank.view")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    members = restrict(Member.objects.all(), user)
    kinds = dict(members.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    requests = restrict(ServiceRequest.objects.all(), user)
    states = dict(requests.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    held = requests.filter(status=ServiceStatus.DISPUTED).aggregate(m=Sum("minutes_claimed"))["m"] or 0
    balances = restrict(Account.objects.filter(kind=AccountKind.MEMBER), user).aggregate(m=Sum("balance_minutes"))["m"] or 0
    try:
        scheme = services.current_scheme()
    except DomainError:
        scheme = None
    fund = Account.objects.filter(kind=AccountKind.FUND).first()
    return render(request, "timebank/home.html", {
        "kinds": [(label, kinds.get(value, 0)) for value, label in MemberKind.choices],
        "states": [(value, label, states.get(value, 0)) for value, label in ServiceStatus.choices],
        "held": held, "balances": balances, "scheme": scheme, "fund": fund,
        "communities": selectors.by_community(user)[:10],
        "top": selectors.leaderboard(division_prefix=user.scope_prefix or "", limit=10) if user.scope_prefix else [],
    })


@capability_required("timebank.view")
def member_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Member.objects.select_related("account"), request.user)
    q = (request.GET.get("q") or "").strip()[:32]
    kind = request.GET.get("kind") or ""
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(number=q.upper()))
    if kind in MemberKind.values:
        qs = qs.filter(kind=kind)
    page = offset_page(request, qs.order_by("number"))
    return render(request, "timebank/members.html", {"page": page, "q": q, "kind": kind, "kinds": MemberKind.choices})


@capability_required("timebank.manage")
def member_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(MemberForm(request.POST or None, user=request.user), request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member, code = services.member_create(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("已登记会员 %(n)s。会员卡查询码：%(c)s（仅显示一次，请交给本人）")
                             % {"n": member.number, "c": code})
            return redirect("timebank:member", pk=member.pk)
    return render(request, "timebank/form.html", {"form": form, "title": _("登记会员"), "button": _("登记")})


@capability_required("timebank.view")
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.select_related("team", "person", "account"), request.user, pk=pk)
    account = getattr(member, "account", None)
    rows = offset_page(request, selectors.statement(account)) if account else None
    relatives = member.relatives.select_related("relative")
    audit_sensitive_view(member, fields=["id_number_masked", "account"], division_code=member.division_code)
    can_ledger = request.user.can("timebank.ledger")
    return render(request, "timebank/member.html", {
        "member": member, "account": account, "rows": rows, "relatives": relatives,
        "can_manage": request.user.can("timebank.manage"), "can_ledger": can_ledger,
        "held": member.services.filter(status=ServiceStatus.DISPUTED).aggregate(m=Sum("minutes_claimed"))["m"] or 0,
        "team_members": member.team_members.all() if member.kind == MemberKind.TEAM else [],
        "served": member.services.select_related("elder").order_by("-requested_at")[:10],
        "received": member.requests.select_related("volunteer").order_by("-requested_at")[:10],
    })


def _back(member: Member) -> str:
    return reverse("timebank:member", args=[member.pk])


@capability_required("timebank.manage")
def member_check(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.all(), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=member, title=_("实名核验"), button=_("确认已核验"), redirect_to=_back(member),
        summary=_("确认已当面查验本人有效身份证件，证件号码与登记一致。核验后方可接单服务、存入时间。"),
        facts=[(_("会员"), str(member)), (_("身份证号码"), member.id_number_masked or "—")],
        perform=lambda c, d: services.member_check_identity(by=request.user, member=member), success=_("已完成实名核验")))


@capability_required("timebank.manage")
def member_code(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.all(), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=member, title=_("重置查询码"), button=_("重置"), redirect_to=_back(member), danger=True,
        summary=_("生成新的6位查询码，原查询码立即失效。新查询码只显示一次。"), facts=[(_("会员"), str(member))],
        perform=lambda c, d: _("新的查询码：%(c)s（仅显示一次，请交给本人）") % {
            "c": services.member_reset_code(by=request.user, member=member)},
        success=_("已重置查询码")))


def _member_form_page(request: HttpRequest, member: Member, form: Any, title: str, perform: Any, ok: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            perform(form)
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, ok)
            return redirect(_back(member))
    return render(request, "timebank/form.html", {"form": form, "title": title, "member": member,
                                                  "button": _("提交"), "back": _back(member)})


@capability_required("timebank.manage")
def member_training(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.all(), request.user, pk=pk)
    form = TrainingForm(request.POST or None)
    return _member_form_page(request, member, form, _("登记培训"), lambda f: services.member_record_training(
        by=request.user, member=member, on=f.cleaned_data["on"], hours=f.cleaned_data["hours"]), _("已登记培训"))


@capability_required("timebank.manage")
def member_relative(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.all(), request.user, pk=pk)
    form = RelativeForm(request.POST or None, user=request.user, member=member)
    return _member_form_page(request, member, form, _("登记直系亲属"), lambda f: services.relative_add(
        by=request.user, member=member, relative=f.cleaned_data["relative"], relation=f.cleaned_data["relation"],
        document=f.cleaned_data["document"]), _("已登记亲属关系"))


MOVES = {
    "redeem": (_("兑换服务"), lambda by, m, f: services.redeem(by=by, member=m, minutes=f.total(), memo="兑换服务")),
    "gift": (_("赠与直系亲属"), lambda by, m, f: services.gift(by=by, member=m, relative=f.cleaned_data["relative"], minutes=f.total())),
    "donate": (_("捐赠至时间公益基金"), lambda by, m, f: services.donate(by=by, member=m, minutes=f.total())),
    "grant": (_("时间公益基金发放"), lambda by, m, f: services.grant(by=by, elder=m, minutes=f.total(),
                                                              reason=f.cleaned_data.get("reason") or "")),
}


@capability_required("timebank.ledger")
def member_move(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    member = get_scoped_or_404(Member.objects.select_related("account"), request.user, pk=pk)
    if kind not in MOVES:
        from django.http import Http404

        raise Http404
    title, perform = MOVES[kind]
    form: Any = GiftForm(request.POST or None, member=member) if kind == "gift" else MinutesForm(request.POST or None)
    if kind == "grant":
        from django import forms as djforms

        form.fields["reason"] = djforms.CharField(label=_("发放理由（如特困、失能、独居）"), max_length=100)
    return _member_form_page(request, member, form, f"{title} · {member.name}",
                             lambda f: perform(request.user, member, f), _("已记账"))


@capability_required("timebank.view")
def request_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(ServiceRequest.objects.select_related("elder", "volunteer"), request.user)
    status = request.GET.get("status") or ""
    if status in ServiceStatus.values:
        qs = qs.filter(status=status)
    page = offset_page(request, qs)
    return render(request, "timebank/requests.html", {"page": page, "status": status, "states": ServiceStatus.choices})


@capability_required("timebank.manage")
def request_new(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, user=request.user, initial={"elder": request.GET.get("elder")})
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("已登记服务需求 %(n)s") % {"n": req.number})
            return redirect("timebank:request", pk=req.pk)
    return render(request, "timebank/form.html", {"form": form, "title": _("登记服务需求"), "button": _("登记")})


@capability_required("timebank.view")
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.select_related("elder", "volunteer__team", "verifier"), request.user, pk=pk)
    take = TakeForm(user=request.user) if req.status == ServiceStatus.OPEN else None
    return render(request, "timebank/request.html", {
        "req": req, "take": take, "done": DoneForm() if req.status == ServiceStatus.TAKEN else None,
        "can_manage": request.user.can("timebank.manage"), "can_ledger": request.user.can("timebank.ledger"),
        "transfers": req.transfers.all(),
    })


def _req_facts(req: ServiceRequest) -> list[tuple[str, Any]]:
    return [(_("服务单号"), req.number), (_("服务对象"), req.elder.name), (_("服务项目"), req.get_service_type_display()),
            (_("志愿者"), req.volunteer.name if req.volunteer else "—"),
            (_("申报时长"), services.hours_text(req.minutes_claimed) if req.minutes_claimed else "—")]


@capability_required("timebank.manage")
@require_POST
def request_take(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.all(), request.user, pk=pk)
    form = TakeForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.request_take(by=request.user, req=req, **form.cleaned_data)
            messages.success(request, _("已接单"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请选择接单志愿者"))
    return redirect("timebank:request", pk=req.pk)


@capability_required("timebank.manage")
@require_POST
def request_done(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.all(), request.user, pk=pk)
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            services.request_done(by=request.user, req=req, minutes=form.cleaned_data["minutes"])
            messages.success(request, _("已登记服务完成，等待服务对象或核实单位确认"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("服务时长应在1至720分钟之间"))
    return redirect("timebank:request", pk=req.pk)


@capability_required("timebank.manage")
def request_verify(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.select_related("elder", "volunteer"), request.user, pk=pk)
    form = VerifyForm(request.POST or None, user=request.user)
    back = reverse("timebank:request", args=[req.pk])
    return confirm_action(request, ConfirmAction(
        obj=req, title=_("确认服务并存入时间"), facts=_req_facts(req), form=form, button=_("确认并存入"), redirect_to=back,
        summary=_("服务对象本人（或核实单位）确认服务已完成、时长属实。确认后时长存入志愿者（或其团队）的时间账户。"),
        perform=lambda c, d: services.request_verify(by=request.user, req=req, verified_by=d["verified_by"],
                                                     verifier=d.get("verifier")),
        success=_("已确认，时间已存入")))


@capability_required("timebank.manage")
def request_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.select_related("elder", "volunteer"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=req, title=_("登记异议"), facts=_req_facts(req), button=_("登记异议"), danger=True,
        redirect_to=reverse("timebank:request", args=[req.pk]), comment_required=True, comment_label=_("异议原因"),
        summary=_("服务对象或核实单位对服务或时长有异议：时长冻结，不存入、不可使用，待工作人员核实处理。"),
        perform=lambda c, d: services.request_dispute(by=request.user, req=req, reason=c), success=_("已登记异议，时长冻结")))


@capability_required("timebank.ledger")
def request_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.select_related("elder", "volunteer"), request.user, pk=pk)
    form = ResolveForm(request.POST or None, initial={"minutes": req.minutes_claimed})
    return confirm_action(request, ConfirmAction(
        obj=req, title=_("处理异议"), facts=[*_req_facts(req), (_("异议原因"), req.dispute_reason)], form=form,
        button=_("确认处理"), redirect_to=reverse("timebank:request", args=[req.pk]), comment_required=True,
        comment_label=_("处理意见"), summary=_("核实后认定的时长存入志愿者账户；认定为0则不予存入。"),
        perform=lambda c, d: services.request_resolve(by=request.user, req=req, minutes=d["minutes"], resolution=c),
        success=_("已处理异议")))


@capability_required("timebank.manage")
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest.objects.select_related("elder", "volunteer"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=req, title=_("取消服务需求"), facts=_req_facts(req), button=_("取消需求"), danger=True,
        redirect_to=reverse("timebank:request", args=[req.pk]), summary=_("取消后该需求不再接单，也不存入时间。"),
        perform=lambda c, d: services.request_cancel(by=request.user, req=req, reason=c), success=_("已取消")))


@capability_required("timebank.view")
def ledger(request: HttpRequest) -> HttpResponse:
    qs = restrict(Transfer.objects.select_related("debit__member", "credit__member"), request.user)
    kind = request.GET.get("kind") or ""
    if kind:
        qs = qs.filter(kind=kind)
    page = offset_page(request, qs)
    check = selectors.ledger_check() if request.user.can("timebank.configure") else None
    system = Account.objects.exclude(kind=AccountKind.MEMBER).order_by("kind")
    from .models import TransferKind

    return render(request, "timebank/ledger.html", {"page": page, "check": check, "system": system, "kind": kind,
                                                    "kinds": TransferKind.choices})


def public_lookup(request: HttpRequest) -> HttpResponse:
    """Public: the year's recognition lists by community with masked names; a member's own balance is looked
    up on the portal (public reference on the card + date of birth or the ID number's last four)."""
    county = request.GET.get("county") or ""
    county = county if county.isdigit() and len(county) == 6 and county.startswith("4417") else ""
    board = selectors.leaderboard(division_prefix=county or "4417", limit=10)
    from yanglao.core.models import Division

    counties = Division.objects.filter(code__startswith="4417", level=3).order_by("code")
    return render(request, "timebank/public.html", {"board": board, "counties": counties, "county": county})
