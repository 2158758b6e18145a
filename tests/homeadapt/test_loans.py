"""Assistive devices lent or rented with return dates: stock, rent per started month, deposit, overdue."""

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.homeadapt import services, workbench
from yanglao.homeadapt.models import Device, LoanKind
from yanglao.homeadapt.selectors import loans_for


@pytest.fixture
def bed_device():
    return Device.objects.get(name="三功能电动护理床")  # ¥1,000 deposit, ¥150 a month


@pytest.fixture
def wheelchair():
    return Device.objects.get(name="手动轮椅")  # free loan, ¥300 deposit


def test_a_rental_is_charged_per_started_month_and_the_deposit_returned_less_damage(jiangcheng, new_person, bed_device,
                                                                                     today):
    issued = today - dt.timedelta(days=61)
    loan = services.loan_issue(by=jiangcheng, person=new_person(), device=bed_device, kind=LoanKind.RENTAL,
                               issued_on=issued, due_on=issued + dt.timedelta(days=90))
    assert loan.deposit_fen == 100_000 and loan.rent_fen == 15_000 and loan.number.startswith("FJ")
    loan = services.loan_return(by=jiangcheng, loan=loan, returned_on=today, deduction_fen=5_000)
    assert loan.rent_charged_fen == 3 * 15_000  # 61 days: three started months
    assert loan.deduction_fen == 5_000


def test_a_free_loan_charges_no_rent(jiangcheng, new_person, wheelchair, today):
    loan = services.loan_issue(by=jiangcheng, person=new_person(), device=wheelchair, kind=LoanKind.LOAN,
                               issued_on=today - dt.timedelta(days=40), due_on=today)
    assert services.loan_return(by=jiangcheng, loan=loan, returned_on=today).rent_charged_fen == 0


def test_lending_past_the_stock_is_refused(jiangcheng, new_person, bed_device, today):
    Device.objects.filter(pk=bed_device.pk).update(stock=1)
    services.loan_issue(by=jiangcheng, person=new_person(), device=bed_device, kind=LoanKind.RENTAL, issued_on=today,
                        due_on=today + dt.timedelta(days=30))
    with pytest.raises(Conflict, match="全部借出"):
        services.loan_issue(by=jiangcheng, person=new_person(), device=bed_device, kind=LoanKind.RENTAL, issued_on=today,
                            due_on=today + dt.timedelta(days=30))


def test_bad_dates_kinds_returns_and_deductions_are_refused(jiangcheng, new_person, bed_device, wheelchair, today):
    person = new_person()
    with pytest.raises(ValidationFailed, match="应还日期不能早于出借日期"):
        services.loan_issue(by=jiangcheng, person=person, device=wheelchair, kind=LoanKind.LOAN, issued_on=today,
                            due_on=today - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="出借日期不能晚于今天"):
        services.loan_issue(by=jiangcheng, person=person, device=wheelchair, kind=LoanKind.LOAN,
                            issued_on=today + dt.timedelta(days=1), due_on=today + dt.timedelta(days=9))
    with pytest.raises(ValidationFailed, match="免费借用器具，不能租赁"):
        services.loan_issue(by=jiangcheng, person=person, device=wheelchair, kind=LoanKind.RENTAL, issued_on=today,
                            due_on=today)
    with pytest.raises(ValidationFailed, match="请选择租赁"):
        services.loan_issue(by=jiangcheng, person=person, device=bed_device, kind=LoanKind.LOAN, issued_on=today,
                            due_on=today)
    loan = services.loan_issue(by=jiangcheng, person=person, device=bed_device, kind=LoanKind.RENTAL,
                               issued_on=today - dt.timedelta(days=5), due_on=today)
    with pytest.raises(ValidationFailed, match="归还日期"):
        services.loan_return(by=jiangcheng, loan=loan, returned_on=today - dt.timedelta(days=6))
    with pytest.raises(ValidationFailed, match="押金扣除不能超过押金"):
        services.loan_return(by=jiangcheng, loan=loan, returned_on=today, deduction_fen=100_001)
    services.loan_return(by=jiangcheng, loan=loan, returned_on=today)
    with pytest.raises(Conflict, match="已于"):
        services.loan_return(by=jiangcheng, loan=loan, returned_on=today)


def test_overdue_loans_are_listed_and_on_the_workbench_of_their_county_only(jiangcheng, yangxi, new_person, wheelchair,
                                                                            today):
    late = services.loan_issue(by=jiangcheng, person=new_person(), device=wheelchair, kind=LoanKind.LOAN,
                               issued_on=today - dt.timedelta(days=40), due_on=today - dt.timedelta(days=10))
    services.loan_issue(by=jiangcheng, person=new_person(), device=wheelchair, kind=LoanKind.LOAN,
                        issued_on=today, due_on=today + dt.timedelta(days=10))
    assert list(loans_for(jiangcheng, state="overdue")) == [late]
    todo = workbench.todo_overdue_loans(jiangcheng)
    assert todo.count == 1 and todo.urgent and todo.link.endswith("?state=overdue")
    assert workbench.todo_overdue_loans(yangxi) is None
    assert not loans_for(yangxi).exists()
