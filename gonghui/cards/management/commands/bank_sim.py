"""`gonghui bank_sim` (alias `gonghui bank-sim`): plays a bank's back office over real HTTP against
/api/v1/partner/, signing every request as docs/cards.md says a bank must. It pulls the branch's routed
applications, opens a card for each (ISSUED with a Luhn-valid number under the BIN), activates it, and
can reject every Nth and post every status twice (as after a lost response) to exercise idempotency."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gonghui.cards.numbers import sequential_card_numbers
from gonghui.cards.signing import signed_headers

API = "/api/v1/partner"
# Far above any box's serials, so the back office's numbers never meet a pad's.
SERIAL_BASE = 700_000_000


@dataclass
class SimResult:
    issued: int = 0
    activated: int = 0
    rejected: int = 0
    repeats_unchanged: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)


class PartnerClient:
    def __init__(self, base_url: str, key_id: str, secret: str, *, timeout: float = 30.0):
        if not base_url.startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.secret = secret
        self.timeout = timeout

    def request(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = signed_headers(
            key_id=self.key_id, secret=self.secret, method=method, url_or_path=path, body=body
        )
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 (the base URL is checked to be http(s) above)
            self.base_url + path, data=body or None, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw or b"null")
            except ValueError:
                return error.code, {"code": "http_error", "message": raw[:200].decode(errors="replace")}

    def call(
        self, method: str, path: str, payload: Any = None, *, result: SimResult, attempts: int = 3
    ) -> Any:
        """Retries a 5xx or a network failure with a fresh signature (a new nonce: the old one is spent)."""
        for attempt in range(attempts):
            try:
                status, body = self.request(method, path, payload)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                status, body = 0, {"code": "network", "message": str(error)}
            if status < 500 and status != 0:
                if status >= 400:
                    raise CommandError(f"{method} {path}: {status} {body}")
                return body
            result.retries += 1
            time.sleep(0.2 * (attempt + 1))
        raise CommandError(f"{method} {path}: gave up after {attempts} attempts ({body})")


def run_simulation(
    client: PartnerClient,
    *,
    bin_prefix: str,
    reject_every: int = 0,
    repeat_posts: bool = False,
    activate: bool = True,
    limit: int = 0,
    page_size: int = 100,
) -> SimResult:
    result = SimResult()
    done = 0
    seen: set[int] = set()
    while not limit or done < limit:
        page = client.call("GET", f"{API}/applications?status=ROUTED&limit={page_size}", result=result)
        items = [a for a in page["items"] if a["id"] not in seen]
        if not items:
            break
        for application in items:
            if limit and done >= limit:
                break
            seen.add(application["id"])
            done += 1
            path = f"{API}/applications/{application['id']}/status"
            updates: list[dict[str, str]]
            if reject_every and done % reject_every == 0:
                updates = [{"status": "REJECTED", "reason": "bank_declined", "note": "simulated"}]
            else:
                number = sequential_card_numbers(
                    bin_prefix=bin_prefix, start=SERIAL_BASE + application["id"], count=1
                )[0]
                updates = [{"status": "ISSUED", "card_number": number}]
                if activate:
                    updates.append({"status": "ACTIVATED"})
            for update in updates:
                answer = client.call("POST", path, update, result=result)
                if repeat_posts:
                    again = client.call("POST", path, update, result=result)
                    if (
                        not again["changed"]
                        and again["application"]["status"] == answer["application"]["status"]
                    ):
                        result.repeats_unchanged += 1
                    else:
                        result.errors.append(
                            f"repeat of {update['status']} for #{application['id']} changed it"
                        )
                key = {"ISSUED": "issued", "ACTIVATED": "activated", "REJECTED": "rejected"}[update["status"]]
                setattr(result, key, getattr(result, key) + 1)
    return result


# The 二次报销 payouts routed to the branch (gonghui/benefits, docs/benefits.md): the bank credits the card and
# posts each result. Reached by URL only: cards does not import benefits.
PAYOUTS = "/api/v1/benefits/partner/payouts"


@dataclass
class PayoutSimResult:
    paid: int = 0
    failed: int = 0
    repeats_unchanged: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)


def run_payouts(client: PartnerClient, *, fail_every: int = 0, repeat_posts: bool = False) -> PayoutSimResult:
    """Pay every payout waiting at the branch (SENT), failing every Nth with card_frozen."""
    result = PayoutSimResult()
    counter = SimResult()
    done = 0
    seen: set[int] = set()
    while True:
        page = client.call("GET", f"{PAYOUTS}?status=SENT&limit=100", result=counter)
        items = [p for p in page["items"] if p["id"] not in seen]
        if not items:
            break
        for payout in items:
            seen.add(payout["id"])
            done += 1
            if fail_every and done % fail_every == 0:
                answer = {"status": "FAILED", "failure_code": "card_frozen", "note": "simulated"}
            else:
                answer = {"status": "PAID", "bank_reference": f"SIM{payout['id']:012d}"}
            path = f"{PAYOUTS}/{payout['id']}/result"
            client.call("POST", path, answer, result=counter)
            if repeat_posts:
                again = client.call("POST", path, answer, result=counter)
                if again["changed"]:
                    result.errors.append(f"repeat of payout #{payout['id']} changed it")
                else:
                    result.repeats_unchanged += 1
            if answer["status"] == "PAID":
                result.paid += 1
            else:
                result.failed += 1
    result.retries = counter.retries
    return result


class Command(BaseCommand):
    help = "Play a bank's back office against the partner API over HTTP (docs/cards.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="gonghui's base URL")
        parser.add_argument("--key-id", default="", help="the branch's partner key id")
        parser.add_argument("--secret", default="", help="the key's secret")
        parser.add_argument(
            "--branch",
            default="",
            help="instead of --key-id/--secret: issue a fresh key for this branch code in the local "
            "database (a rotation; for the demo and development)",
        )
        parser.add_argument("--bin", default="", help="BIN for card numbers (default: the branch's)")
        parser.add_argument("--reject-every", type=int, default=0, help="reject every Nth application")
        parser.add_argument("--repeat-posts", action="store_true", help="post every status twice")
        parser.add_argument("--no-activate", action="store_true", help="issue only, do not activate")
        parser.add_argument("--limit", type=int, default=0, help="stop after this many applications")
        parser.add_argument("--payouts", action="store_true", help="also pay the 二次报销 payouts waiting")
        parser.add_argument("--fail-payout-every", type=int, default=0, help="fail every Nth payout")

    def handle(self, *args: Any, **options: Any) -> None:
        key_id, secret, bin_prefix = options["key_id"], options["secret"], options["bin"]
        if options["branch"]:
            from gonghui.cards.actions import do_issue_partner_key
            from gonghui.cards.models import BankBranch

            branch = BankBranch.objects.filter(code=options["branch"]).first()
            if branch is None:
                raise CommandError(f"no branch with code {options['branch']!r}")
            key, secret = do_issue_partner_key(acting_user=None, branch=branch)
            key_id = key.key_id
            bin_prefix = bin_prefix or branch.bin_prefix
            self.stdout.write(f"issued partner key {key_id} for {branch}")
        if not key_id or not secret:
            raise CommandError("give --key-id and --secret, or --branch")
        result = run_simulation(
            PartnerClient(options["url"], key_id, secret),
            bin_prefix=bin_prefix or "621468",
            reject_every=options["reject_every"],
            repeat_posts=options["repeat_posts"],
            activate=not options["no_activate"],
            limit=options["limit"],
        )
        self.stdout.write(
            f"issued {result.issued}, activated {result.activated}, rejected {result.rejected}, "
            f"repeats unchanged {result.repeats_unchanged}, retries {result.retries}"
        )
        errors = list(result.errors)
        if options["payouts"]:
            paid = run_payouts(
                PartnerClient(options["url"], key_id, secret),
                fail_every=options["fail_payout_every"],
                repeat_posts=options["repeat_posts"],
            )
            self.stdout.write(
                f"payouts paid {paid.paid}, failed {paid.failed}, repeats unchanged {paid.repeats_unchanged}"
            )
            errors += paid.errors
        if errors:
            raise CommandError("; ".join(errors[:5]))
