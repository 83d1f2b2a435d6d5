"""Small text normalisers shared by validators (IDs, codes, phones arrive in many shapes)."""


def to_half_width(value: str) -> str:
    """Full-width ASCII (from Chinese input methods, Word, PDFs) to ordinary characters."""
    return "".join(
        chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else (" " if c == "\u3000" else c) for c in value
    )
