"""The WSGI application for gunicorn, granian or any WSGI server (and for `manage.py runserver`).

A deployed process fails closed: loaded by a WSGI server with GONGHUI_ENV unset, it starts in production
mode, which refuses DEBUG and every development key and names what is missing. `manage.py runserver`
has loaded its (development) settings before importing this module, so it is not affected.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
if not settings.configured:
    os.environ.setdefault("GONGHUI_ENV", "production")
application = get_wsgi_application()
