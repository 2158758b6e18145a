from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "yanglao.benefits"
    label = "benefits"
    verbose_name = "津贴补贴"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.people.services import register_person_division_copy

        from .models import BankAccount, Enrolment, Suspension

        for model in (BankAccount, Enrolment, Suspension):
            register_person_division_copy(model)
        from . import notices

        notices.register()  # the run-ready notice and the suspension SMS (yanglao/notices)

        from . import bulk

        bulk.register()  # bulk actions of the enrolment and suspension lists (core/bulkactions.py)

        from . import documents

        documents.register()

        # The city configures programmes, prepares and approves runs (two different city accounts:
        # maker-checker), issues payment files and reconciles. Counties and townships enrol people,
        # approve applications (again two people), suspend and resume, and see their own lines and
        # reports. Auditors read everything in their scope.
        register_capabilities({
            Role.CITY_ADMIN: {"benefits.view", "benefits.configure", "benefits.prepare", "benefits.approve",
                              "benefits.pay", "benefits.reconcile", "benefits.enrol", "benefits.suspend",
                              "benefits.export", "benefits.reveal", "benefits.match", "benefits.recover",
                              "benefits.approve_write_off", "benefits.certify", "benefits.export_full"},
            Role.COUNTY_STAFF: {"benefits.view", "benefits.enrol", "benefits.suspend", "benefits.export",
                                "benefits.reveal", "benefits.match", "benefits.recover", "benefits.certify"},
            Role.TOWNSHIP_STAFF: {"benefits.view", "benefits.enrol", "benefits.suspend", "benefits.certify"},
            Role.COMMUNITY_WORKER: {"benefits.view", "benefits.certify"},
            Role.AUDITOR: {"benefits.view", "benefits.export"},
        })

        from django.utils.translation import gettext_lazy as _

        from yanglao.core.todos import register_todo

        from . import workbench

        register_todo("benefits.runs_to_approve", _("待复核的发放批次"), workbench.todo_runs_to_approve,
                      capability=("benefits.approve", "benefits.view"))
        register_todo("benefits.life_cert_due", _("生存认证即将到期"), workbench.todo_life_cert_due,
                      capability=("benefits.certify", "benefits.view"))
        register_todo("benefits.write_offs", _("待审批的追回核销"), workbench.todo_second_signatures,
                      capability=("benefits.approve_write_off", "benefits.view"))
        register_todo("benefits.match_review", _("待确认的数据比对变化"), workbench.todo_match_review,
                      capability=("benefits.match", "benefits.view"))
        register_todo("benefits.enrolments", _("待审核的享受申请"), workbench.todo_enrolments_to_decide,
                      capability=("benefits.enrol", "benefits.view"))
