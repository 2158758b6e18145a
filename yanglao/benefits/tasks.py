from django_tasks import task


@task()
def compute_run(run_id: int, attempt: int) -> None:
    """Background computation of a monthly run (django-tasks); safe to repeat."""
    from yanglao.core.audit import AuditActor, audit_context

    from .engine import compute
    from .models import PaymentRun

    run = PaymentRun.objects.select_related("prepared_by").get(pk=run_id)
    user = run.prepared_by
    with audit_context(actor=AuditActor(user_id=user.pk, username=user.username, role=user.role)):
        compute(run_id, attempt)
