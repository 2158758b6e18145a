from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "yanglao.exchanges"
    label = "exchanges"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.benefits.choices import EXTRA_STOP_REASONS
        from yanglao.benefits.engine import register_run_exclusion
        from yanglao.benefits.matching import list_matched
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo
        from yanglao.people.services import register_person_division_copy

        from . import models, services, workbench

        register_capabilities({
            Role.CITY_ADMIN: {"exchanges.view", "exchanges.manage", "exchanges.national", "exchanges.ltc",
                              "exchanges.settle"},
            Role.COUNTY_STAFF: {"exchanges.view", "exchanges.ltc"},
            Role.AUDITOR: {"exchanges.view"},
        })
        register_todo("exchanges.settlements", _("长护险结算清单待确认"), workbench.todo_settlements,
                      capability=("exchanges.settle",))
        register_todo("exchanges.national", _("全国养老服务信息系统报送"), workbench.todo_national,
                      capability=("exchanges.national",))
        list_matched.connect(services.on_list_matched, dispatch_uid="exchanges.match_runs")
        register_run_exclusion(services.ltc_exclusion)
        EXTRA_STOP_REASONS[services.STOP_CODE] = _("停发：当月享受长期护理保险居家护理")
        for model in (models.LtcAssessment, models.LtcBenefit, models.LtcCarePlan, models.NationalRegistration):
            register_person_division_copy(model)
