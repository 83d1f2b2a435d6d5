# Phone codes moved to core.PhoneCode (gonghui/core/phone_codes.py), shared with the card self-service
# page. No production data yet, so nothing is copied.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_roster_jobs"),
    ]

    operations = [
        migrations.DeleteModel(name="PhoneVerification"),
    ]
