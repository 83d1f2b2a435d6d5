"""The published API document: valid OpenAPI 3.1, error responses declared, enums named apart."""

from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit


def test_it_publishes_each_enum_under_its_own_name(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    enums = {name: c["enum"] for name, c in schema["components"]["schemas"].items() if "enum" in c}
    assert enums["OrgUnitStatus"] == list(OrgUnit.Status.values)
    assert enums["MembershipStatus"] == list(Membership.Status.values)


def test_it_declares_error_responses_on_every_operation(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"]}
            assert any(400 <= code < 500 for code in codes), (method, path)
