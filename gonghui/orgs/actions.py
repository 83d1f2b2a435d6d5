"""Writes to the union tree. Each function: one durable transaction, one audit event."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import build_event, record_event, record_events
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.orgs.models import OrgUnit, Region
from gonghui.orgs.scope import RANK_MANAGE_UNITS, rank_at

if TYPE_CHECKING:
    from gonghui.orgs.tree_file import TreeFile

# Which kinds of unit may sit directly under which.
ALLOWED_CHILD_KINDS: dict[str, frozenset[str]] = {
    OrgUnit.Kind.CITY: frozenset({OrgUnit.Kind.DISTRICT}),
    OrgUnit.Kind.DISTRICT: frozenset({OrgUnit.Kind.STREET, OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT}),
    OrgUnit.Kind.STREET: frozenset({OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT}),
    OrgUnit.Kind.JOINT: frozenset({OrgUnit.Kind.GRASSROOTS}),
    OrgUnit.Kind.GRASSROOTS: frozenset(),
}
MAX_DEPTH = 12


class UnitCodeTaken(Conflict):
    code = "org_unit_code_taken"
    default_message = _("Another union already uses the code %(code)s.")


class ChildKindNotAllowed(InvalidInput):
    code = "org_unit_kind_not_allowed"
    default_message = _("A %(child)s cannot be placed under a %(parent)s.")


class UnitClosed(InvalidInput):
    code = "org_unit_closed"
    default_message = _("%(name)s is closed; reopen it or choose another union.")


class MoveIntoOwnSubtree(InvalidInput):
    code = "org_unit_move_cycle"
    default_message = _("A union cannot be moved under itself or one of its own sub-unions.")


class UnitHasActiveChildren(InvalidInput):
    code = "org_unit_has_active_children"
    default_message = _("Close or move the %(count)d active sub-unions first.")


class RootUnitExists(Conflict):
    code = "org_unit_root_exists"
    default_message = _("The city federation already exists; there is only one root.")


def _check_child_kind(parent: OrgUnit, kind: str) -> None:
    if kind not in ALLOWED_CHILD_KINDS[parent.kind]:
        raise ChildKindNotAllowed(
            field="kind", child=OrgUnit.Kind(kind).label, parent=OrgUnit.Kind(parent.kind).label
        )


def _require_manager(acting_user: Any, unit: OrgUnit) -> None:
    if rank_at(acting_user, unit) < RANK_MANAGE_UNITS:
        raise Forbidden()


@transaction.atomic(durable=True)
def do_create_org_unit(
    *,
    acting_user: Any,
    parent: OrgUnit | None,
    code: str,
    name: str,
    kind: str,
    region: Region | None = None,
    enterprise: Any = None,
    now: datetime.datetime | None = None,
) -> OrgUnit:
    """Create a unit under `parent` (None only for the city root, which only a superuser may create)."""
    now = now or timezone.now()
    code = code.strip().upper()
    name = name.strip()
    if not code or not name:
        raise InvalidInput(_("Code and name are required."))
    if parent is None:
        if kind != OrgUnit.Kind.CITY or not getattr(acting_user, "is_superuser", False):
            raise Forbidden()
        if OrgUnit.objects.filter(parent__isnull=True).exists():
            raise RootUnitExists()
    else:
        _require_manager(acting_user, parent)
        if parent.status != OrgUnit.Status.ACTIVE:
            raise UnitClosed(field="parent", name=parent.name)
        _check_child_kind(parent, kind)
    if OrgUnit.objects.filter(code=code).exists():
        raise UnitCodeTaken(field="code", code=code)
    try:
        with transaction.atomic():  # a concurrent request may take the same code first
            unit = OrgUnit.objects.create(
                code=code,
                name=name,
                kind=kind,
                parent=parent,
                region=region,
                path="pending/",
                depth=(parent.depth + 1) if parent else 0,
                created_at=now,
            )
    except IntegrityError:
        raise UnitCodeTaken(field="code", code=code) from None
    # The path embeds the unit's own id, known only after the insert.
    unit.path = f"{parent.path if parent else ''}{unit.pk}/"
    unit.save(update_fields=["path"])
    if enterprise is not None:
        enterprise.union = unit
        enterprise.save(update_fields=["union"])
    record_event(
        acting_user=acting_user,
        event_type="org_unit_created",
        obj=unit,
        unit=unit,
        changed_fields=["code", "name", "kind", "parent", "region"] + (["enterprise"] if enterprise else []),
        details={"kind": kind, "parent_id": parent.pk if parent else None},
        now=now,
    )
    return unit


@transaction.atomic(durable=True)
def do_rename_org_unit(*, acting_user: Any, unit: OrgUnit, name: str) -> OrgUnit:
    _require_manager(acting_user, unit)
    name = name.strip()
    if not name:
        raise InvalidInput(_("The name cannot be empty."), field="name")
    old = unit.name
    unit.name = name
    unit.save(update_fields=["name"])
    record_event(
        acting_user=acting_user,
        event_type="org_unit_renamed",
        obj=unit,
        unit=unit,
        changed_fields=["name"],
        details={"old_name": old},
    )
    return unit


@transaction.atomic(durable=True)
def do_move_org_unit(*, acting_user: Any, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Re-hang a unit and its whole subtree: one UPDATE rewrites every path under it."""
    _require_manager(acting_user, unit)
    _require_manager(acting_user, new_parent)
    if unit.parent_id is None:
        raise Forbidden()
    if new_parent.path.startswith(unit.path):
        raise MoveIntoOwnSubtree(field="parent")
    if new_parent.status != OrgUnit.Status.ACTIVE:
        raise UnitClosed(field="parent", name=new_parent.name)
    _check_child_kind(new_parent, unit.kind)
    old_parent_id = unit.parent_id
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk}/"
    depth_shift = new_parent.depth + 1 - unit.depth
    longest = OrgUnit.objects.filter(path__startswith=old_path).aggregate(n=Max(Length("path")))["n"]
    if len(new_path) - len(old_path) + longest > 255 or new_parent.depth + 1 > MAX_DEPTH:
        raise InvalidInput(_("The union tree would become too deep."), field="parent")
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    record_event(
        acting_user=acting_user,
        event_type="org_unit_moved",
        obj=unit,
        unit=unit,
        changed_fields=["parent", "path"],
        details={"old_parent_id": old_parent_id, "new_parent_id": new_parent.pk},
    )
    return unit


@transaction.atomic(durable=True)
def do_close_org_unit(*, acting_user: Any, unit: OrgUnit, now: datetime.datetime | None = None) -> OrgUnit:
    _require_manager(acting_user, unit)
    if unit.parent_id is None:
        raise Forbidden()
    if unit.status == OrgUnit.Status.CLOSED:
        raise UnitClosed(name=unit.name)
    active_children = unit.children.filter(status=OrgUnit.Status.ACTIVE).count()
    if active_children:
        raise UnitHasActiveChildren(count=active_children)
    unit.status = OrgUnit.Status.CLOSED
    unit.closed_at = now or timezone.now()
    unit.save(update_fields=["status", "closed_at"])
    record_event(
        acting_user=acting_user, event_type="org_unit_closed", obj=unit, unit=unit, changed_fields=["status"]
    )
    return unit


@transaction.atomic(durable=True)
def do_load_regions(*, acting_user: Any, data: dict[str, Any]) -> dict[str, int]:
    """Create or update Beijing's regions from the shipped data file; running it again changes nothing."""
    existing = {r.code: r for r in Region.objects.all()}
    created = updated = 0

    def upsert(code: str, name: str, level: str, parent: Region | None) -> Region:
        nonlocal created, updated
        region = existing.get(code)
        if region is None:
            region = Region.objects.create(code=code, name=name, level=level, parent=parent)
            existing[code] = region
            created += 1
        elif (region.name, region.level, region.parent_id) != (name, level, parent.pk if parent else None):
            region.name, region.level, region.parent = name, level, parent
            region.save(update_fields=["name", "level", "parent"])
            updated += 1
        return region

    province = upsert(data["province"]["code"], data["province"]["name"], Region.Level.PROVINCE, None)
    districts = {
        d["code"]: upsert(d["code"], d["name"], Region.Level.DISTRICT, province) for d in data["districts"]
    }
    new_streets = [
        Region(code=s["code"], name=s["name"], level=Region.Level.STREET, parent=districts[s["district"]])
        for s in data["streets"]
        if s["code"] not in existing
    ]
    Region.objects.bulk_create(new_streets)
    created += len(new_streets)
    for s in data["streets"]:
        if s["code"] in existing:
            upsert(s["code"], s["name"], Region.Level.STREET, districts[s["district"]])
    counts = {"created": created, "updated": updated, "total": Region.objects.count()}
    record_event(
        acting_user=acting_user,
        event_type="regions_loaded",
        details={"version": data.get("version", ""), **counts},
    )
    return counts


@dataclass(frozen=True)
class TreeLoadResult:
    created: int
    existing: int
    by_kind: dict[str, int]


@transaction.atomic(durable=True)
def do_load_org_tree(
    *, acting_user: Any, tree: "TreeFile", now: datetime.datetime | None = None
) -> TreeLoadResult:
    """Create the unions of a tree file (orgs/tree_file.py) in one transaction, level by level in bulk,
    one audit event per union created. Unions whose code exists are left as they are (loading a file
    again changes nothing). The city root only from the command line (acting_user None) or a superuser;
    otherwise the acting user must manage every new union's parent. Every problem is reported at once
    (TreeFileInvalid) and nothing is written unless the whole file fits the tree."""
    from gonghui.orgs.tree_file import TreeFileInvalid

    now = now or timezone.now()
    rows = tree.rows
    system = acting_user is None or getattr(acting_user, "is_superuser", False)
    existing = {
        u.code: u
        for u in OrgUnit.objects.filter(code__in=[r.code for r in rows] + [r.parent_code for r in rows])
    }
    regions = {
        r.code: r for r in Region.objects.filter(code__in=[r.region_code for r in rows if r.region_code])
    }
    new = {r.code: r for r in rows if r.code not in existing}
    problems: list[str] = list(tree.problems)
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            problems.append(f"line {row.line}: the code {row.code} appears twice")
        seen.add(row.code)
        if row.region_code and row.region_code not in regions:
            problems.append(f"line {row.line}: region {row.region_code} is not a known district or street")
    roots = [r for r in new.values() if not r.parent_code]
    for row in roots:
        if row.kind != OrgUnit.Kind.CITY:
            problems.append(f"line {row.line}: only the CITY union has no parent_code")
        elif not system or OrgUnit.objects.filter(parent__isnull=True).exists() or len(roots) > 1:
            problems.append(f"line {row.line}: there is one city federation, and it exists already")
    kinds = {code: unit.kind for code, unit in existing.items()} | {
        code: row.kind for code, row in new.items()
    }
    for row in new.values():
        if not row.parent_code:
            continue
        if row.parent_code not in kinds:
            problems.append(
                f"line {row.line}: parent_code {row.parent_code} is neither in the file nor a union"
            )
        elif row.kind in OrgUnit.Kind.values and row.kind not in ALLOWED_CHILD_KINDS.get(
            kinds[row.parent_code], frozenset()
        ):
            problems.append(
                f"line {row.line}: a {row.kind} cannot be placed under a {kinds[row.parent_code]} ({row.parent_code})"
            )
        elif row.parent_code in existing and not system:
            parent = existing[row.parent_code]
            if parent.status != OrgUnit.Status.ACTIVE or rank_at(acting_user, parent) < RANK_MANAGE_UNITS:
                problems.append(f"line {row.line}: you cannot add unions under {row.parent_code}")
    if problems:
        raise TreeFileInvalid(problems)
    # Level by level: a level's ids (and so its paths) exist before its children are inserted.
    placed = dict(existing)
    pending = dict(new)
    events = []
    by_kind: dict[str, int] = {}
    while pending:
        level = [r for r in pending.values() if not r.parent_code or r.parent_code in placed]
        if not level:
            lines = ", ".join(str(r.line) for r in list(pending.values())[:20])
            raise TreeFileInvalid([f"lines {lines}: their parents form a loop"])
        units = OrgUnit.objects.bulk_create(
            [
                OrgUnit(
                    code=row.code,
                    name=row.name,
                    kind=row.kind,
                    parent=placed.get(row.parent_code),
                    region=regions.get(row.region_code),
                    path="pending/",
                    depth=placed[row.parent_code].depth + 1 if row.parent_code else 0,
                    created_at=now,
                )
                for row in level
            ]
        )
        for unit in units:
            above = placed.get(new[unit.code].parent_code)
            unit.path = f"{above.path if above else ''}{unit.pk}/"
            placed[unit.code] = unit
            pending.pop(unit.code)
            by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
            events.append(
                build_event(
                    acting_user=acting_user,
                    event_type="org_unit_created",
                    obj=unit,
                    unit=unit,
                    changed_fields=["code", "name", "kind", "parent", "region"],
                    details={
                        "kind": unit.kind,
                        "parent_id": above.pk if above else None,
                        "from_tree_file": True,
                    },
                    now=now,
                )
            )
        # The level's paths in one UPDATE (its rows are the only ones still "pending/"): the parent's
        # path and the new id, as computed above for the objects in hand.
        parent_path = OrgUnit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
        OrgUnit.objects.filter(path="pending/").update(
            path=Concat(Coalesce(Subquery(parent_path), Value("")), Cast("id", CharField()), Value("/"))
        )
    too_deep = [u.code for u in placed.values() if len(u.path) > 255 or u.depth > MAX_DEPTH]
    if too_deep:
        raise TreeFileInvalid([f"{code}: the union tree would become too deep" for code in too_deep[:20]])
    record_events(events)
    return TreeLoadResult(created=len(new), existing=len(rows) - len(new), by_kind=by_kind)
