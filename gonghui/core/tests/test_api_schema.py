"""Every /api/v1 operation, fuzzed from its own OpenAPI schema (schemathesis): whatever the input —
valid, malformed, huge, odd characters — the answer is never a 5xx, and what it returns matches the
schema the operation declares (its 2xx body and its declared 4xx error shape).

It signs in as the 通州 district officer, whose area holds members, devices and meetings of the demo
story, so most operations reach their actions and queries, not only their authentication check."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from gonghui.demo.personas import make_personas

CSRF = "gonghuischematestcsrftoken000000"  # any 32 characters: the cookie and the header must match

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def signed_in(db):  # type: ignore[no-untyped-def]
    personas = make_personas()
    client = personas.client(personas.tongzhou_officer)
    # The WSGI handler closes the database connection after each request; the test's transaction lives
    # on it. Django's own test client unhooks the same signal handlers for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_it_answers_every_operation_without_a_server_error_and_as_declared(case, signed_in):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        cookies=signed_in,
        headers={"X-CSRFToken": CSRF},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        excluded_checks=[negative_data_rejection],
    )
