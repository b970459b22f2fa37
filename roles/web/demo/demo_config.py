"""The one place the demo app and its Celery tasks learn where Postgres, Redis and RabbitMQ
are: the config.yml that rolevisor rendered, named by ROLEVISOR_CONFIG. Nothing here reads
connection settings from the environment, so a wrong config.yml shows up at once."""
import os
import ssl
from urllib.parse import urlsplit

import yaml


def _load():
    path = os.environ.get('ROLEVISOR_CONFIG')
    if not path:
        raise RuntimeError('ROLEVISOR_CONFIG is not set: it must name the config.yml that rolevisor rendered')
    with open(path, encoding='utf-8') as handle:
        config = yaml.safe_load(handle) or {}
    for key in ('db', 'redis', 'rabbitmq'):
        if not config.get(key):
            raise RuntimeError(f'{path} has no "{key}" entry; re-render it with rolevisor render-config')
    return config


CONFIG = _load()


def postgres_params():
    """Keyword arguments for psycopg2.connect (libpq names)."""
    db = CONFIG['db']
    params = {
        'host': db.get('host') or 'localhost',
        'port': int(db.get('port') or 5432),
        'dbname': db.get('name'),
        'user': db.get('user'),
        'password': db.get('password'),
        'connect_timeout': 5,
        'application_name': 'rolevisor-demo',
    }
    for key, libpq in (('ssl mode', 'sslmode'), ('ssl cert', 'sslcert'), ('ssl key', 'sslkey'), ('ssl root cert', 'sslrootcert')):
        if db.get(key):
            params[libpq] = db[key]
    return params


def table_name(base):
    return f"{CONFIG['db'].get('table prefix') or ''}{base}"


def redis_url():
    return CONFIG['redis']


def broker_url():
    return CONFIG['rabbitmq']


def broker_ssl():
    """Celery's broker_use_ssl for an amqps:// broker (CLUSTERTLS): the certificate must chain to
    config.yml's `cluster ca` and name the host (kombu takes no CA from the URL). None for amqp://."""
    parts = urlsplit(broker_url())
    if parts.scheme != 'amqps':
        return None
    return {'cert_reqs': ssl.CERT_REQUIRED, 'ca_certs': CONFIG.get('cluster ca'), 'server_hostname': parts.hostname}


def url_root():
    """The path the app is served under, without its trailing slash ('' for /)."""
    return str(CONFIG.get('root') or '/').rstrip('/')


def where(url):
    """host:port of a service URL, without credentials (safe to show on a page)."""
    parts = urlsplit(url)
    return f'{parts.hostname}:{parts.port}' if parts.port else str(parts.hostname)


def files_dir():
    """Where uploaded files live (config.yml's `uploads`, FILESDIR): rolevisor keeps it in the store."""
    path = CONFIG.get('uploads')
    if not path:
        raise RuntimeError('config.yml has no "uploads" entry; re-render it with rolevisor render-config')
    return path
