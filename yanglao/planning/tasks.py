from django_tasks import task


@task()
def load_network(network_id: int) -> None:
    """Read an uploaded OpenStreetMap file (django-tasks), then recompute the circle on it; safe to re-run."""
    from yanglao.core.audit import AuditActor, audit_context

    from . import services
    from .models import NetworkStatus, WalkNetwork

    network = WalkNetwork.objects.select_related("loaded_by").get(pk=network_id)
    user = network.loaded_by
    actor = AuditActor(user_id=user.pk, username=user.username, role=user.role) if user else \
        AuditActor(user_id=None, username="task:planning.load_network")
    with audit_context(actor=actor):
        network = services.network_load(path=network.upload_path, name=network.name, by=user, network=network)
        if network.status == NetworkStatus.READY:
            services.circle_compute(by=user)


@task()
def compute_circle(run_id: int) -> None:
    """Recompute the circle (django-tasks); a re-run replaces the figures."""
    from yanglao.core.audit import AuditActor, audit_context

    from . import services
    from .models import CircleRun, RunStatus

    run = CircleRun.objects.select_related("requested_by", "network").get(pk=run_id)
    if run.status == RunStatus.DONE:
        return
    user = run.requested_by
    actor = AuditActor(user_id=user.pk, username=user.username, role=user.role) if user else \
        AuditActor(user_id=None, username="task:planning.compute_circle")
    with audit_context(actor=actor):
        services.circle_compute(run)
