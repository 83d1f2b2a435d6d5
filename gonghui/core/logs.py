"""Log lines without personal numbers: a formatter that masks anything shaped like a resident ID or a
mobile number in the finished line (message, request line, traceback), as the audit log does."""

import logging

from gonghui.core.text import scrub


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return str(scrub(super().format(record)))
