"""gunicorn for shared-data: N uvicorn worker processes, one app each (docs/DEPLOY.md).

    gunicorn -c deploy/gunicorn.conf.py 'lookup_api.app:create_app()'

Every worker builds its own services in the app's lifespan (database pool, audit writer thread,
registry clients, cache, breakers); they share PostgreSQL (the audit chain's head row serialises
their group commits) and Redis (quotas). Settings come from SHARED_DATA_* variables.
"""

import multiprocessing
import os

bind = os.environ.get("SHARED_DATA_BIND", "127.0.0.1:8000")
# One process per core: each is one event loop (plus its audit writer thread).
workers = int(os.environ.get("SHARED_DATA_WORKERS", multiprocessing.cpu_count()))
worker_class = "uvicorn.workers.UvicornWorker"
# No access log here: the app writes one JSON line per request (SHARED_DATA_ACCESS_LOG).
accesslog = None
loglevel = "warning"
# A worker silent this long is killed and replaced (its lookups fail; their pending audit
# records are marked abandoned by the next sweep).
timeout = 60
# On SIGTERM each worker stops accepting, finishes its requests and drains its audit queue.
graceful_timeout = 30
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s)
# Import the app in each worker, after the fork: no threads or connections cross a fork.
preload_app = False
