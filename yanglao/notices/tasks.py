from django_tasks import task


@task()
def send_sms(message_id: int) -> None:
    """Send one queued text message (django-tasks, queue "default"); safe to repeat."""
    from .sms import deliver_one

    deliver_one(message_id)
