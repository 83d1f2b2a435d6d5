# Phone codes moved to core.PhoneCode (gonghui/core/phone_codes.py), shared with the card self-service
# page. No production data yet, so nothing is copied. Depending on both 0005 and 0006 also joins the two
# leaves that the roster merge left side by side (0006 was renumbered but still follows 0004).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_membership_meeting"),
        ("members", "0006_roster_jobs"),
    ]

    operations = [
        migrations.DeleteModel(name="PhoneVerification"),
    ]
