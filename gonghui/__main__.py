"""`gonghui <command>`: the management commands, e.g. `gonghui up`, `gonghui demo`, `gonghui db_worker`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    # Django command names cannot contain "-": `gonghui bank-sim` is the name for bank_sim.
    if args[:1] == ["bank-sim"]:
        args[0] = "bank_sim"
    execute_from_command_line(["gonghui", *args])


if __name__ == "__main__":
    main()
