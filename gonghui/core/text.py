"""Small text normalisers shared by validators (IDs, codes, phones arrive in many shapes)."""

_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def to_half_width(value: str) -> str:
    """Full-width ASCII (from Chinese input methods, Word, PDFs) to ordinary characters."""
    # str.translate: the same mapping, in C (a roster import calls this a dozen times per row).
    return value.translate(_HALF_WIDTH)
