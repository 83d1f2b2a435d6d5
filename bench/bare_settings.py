"""gonghui.settings with one extra endpoint (bench/bare_urls.py), for bench/enrol_load.py only: the same
middleware, database and server configuration as the real uploads, so the bare endpoint is their ceiling."""

from gonghui.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
