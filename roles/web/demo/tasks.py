"""The demo's Celery app: broker = config.yml's rabbitmq, result backend = its redis."""
from celery import Celery

import demo_db
from demo_config import CONFIG, broker_ssl, broker_url, redis_url

celery = Celery('tasks', broker=broker_url(), backend=redis_url())
celery.conf.update(
    task_default_queue='celery',
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    # A job survives a worker that dies mid-task; record_job is idempotent for redelivery.
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    broker_connection_timeout=5,
    timezone=CONFIG.get('timezone') or 'UTC',
)
# The result backend takes its TLS settings from the rediss:// URL's query (ssl_ca_certs...).
if broker_ssl():
    celery.conf.broker_use_ssl = broker_ssl()


@celery.task(name='rolevisor_demo.count_job', bind=True)
def count_job(self):
    demo_db.record_job(self.request.id)
    return 'done'
