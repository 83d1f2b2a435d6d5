"""The default work types and deadline classes: seeded by migration 0002 on every database, and ensured again by
the demo story, because a test that flushes the database between tests (the browser tests) loses rows a
migration wrote. Data, not code: officers extend the work types, a city officer changes the hours.

The classes are the Beijing 12345 hotline's (接诉即办) time limits: urgent within 2 hours, utilities-type
(水电气热) within 24 hours, general within 7 days, complex within 15 days."""

from django.utils import timezone

from gonghui.needs.models import DeadlineClass, WorkType

WORK_TYPES = [
    ("HAIRCUT", "理发"),
    ("FINANCE_ANTI_FRAUD", "金融知识/反诈"),
    ("LEGAL", "法律咨询"),
    ("HEALTH_CHECK", "体检"),
    ("SKILLS", "技能培训"),
    ("COOLING", "送清凉"),
    ("RIGHTS", "维权"),
]
SOURCE = "北京市12345市民服务热线接诉即办办理时限"
DEADLINE_CLASSES = [
    ("URGENT", "紧急（2小时）", 2),
    ("UTILITIES", "水电气热类（24小时）", 24),
    ("GENERAL", "一般（7天）", 24 * 7),
    ("COMPLEX", "复杂（15天）", 24 * 15),
]


def ensure_default_catalogue() -> None:
    """Create whichever default rows are missing; rows officers changed are left as they are."""
    now = timezone.now()
    for position, (code, name) in enumerate(WORK_TYPES):
        WorkType.objects.get_or_create(
            code=code, defaults={"name": name, "position": position, "created_at": now}
        )
    for position, (code, name, hours) in enumerate(DEADLINE_CLASSES):
        DeadlineClass.objects.get_or_create(
            code=code, defaults={"name": name, "hours": hours, "position": position, "source": SOURCE}
        )
