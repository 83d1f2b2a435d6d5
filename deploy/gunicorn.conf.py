"""gunicorn for gonghui behind nginx (docs/operations.md): `gunicorn -c deploy/gunicorn.conf.py gonghui.wsgi`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("GONGHUI_BIND", "127.0.0.1:8000")
# Two workers per core (the work is mostly database waits); at least two, so one slow request does not
# hold everyone up.
workers = int(os.environ.get("GONGHUI_WORKERS", max(2, multiprocessing.cpu_count() * 2)))
timeout = 60
graceful_timeout = 30
# Restart workers now and then: a slow leak in any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# nginx on the same host terminates TLS and forwards the scheme; Django reads it through
# SECURE_PROXY_SSL_HEADER (GONGHUI_TRUSTED_PROXIES=1).
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
# The path without the query string (%(U)s, not %(r)s): a web address may carry what someone typed, and a
# log line must not carry a resident ID or a phone number. No client address either (nginx logs it).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
