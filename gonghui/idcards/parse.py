"""From recognised text lines to the fields of a resident ID card, each marked confirmed or to be checked.

Pure functions over `TextLine`s (text, box, score) so they are tested without a model. OCR returns lines out of
reading order and splits a label from its value when the gap is wide; the parser orders boxes by position and
reads a field as "the text right of its label, then the lines below it until the next label". A value is
*confirmed* only when a rule independent of the OCR agrees: the ID number's check digit, its birth date and sex
against the printed ones, the validity dates against each other. Everything else is shown for the person to
check — a misread never passes silently.
"""

import datetime
import re
from dataclasses import dataclass, field

from gonghui.members.validators import InvalidResidentId, check_resident_id


@dataclass(frozen=True)
class TextLine:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in the card's own frame
    score: float

    @property
    def middle_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass
class CardField:
    value: str
    confirmed: bool
    problem: str = ""  # a code from PROBLEMS when not confirmed


@dataclass
class CardReading:
    side: str  # "front", "back" or "unknown"
    fields: dict[str, CardField] = field(default_factory=dict)
    expired: bool = False

    def value(self, name: str) -> str:
        found = self.fields.get(name)
        return found.value if found else ""


# Why a field is shown for checking; labels in gonghui/idcards/labels.py.
PROBLEMS = (
    "not_found",
    "low_confidence",
    "id_checksum",
    "birth_date_differs",
    "sex_differs",
    "unreadable_date",
)
LOW_CONFIDENCE = 0.80

# Characters OCR confuses with digits inside the number.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "Z": "2",
                                   "S": "5", "B": "8", "x": "X", "×": "X"})  # fmt: skip
_ID_CANDIDATE = re.compile(r"[0-9OoDIlZSBxX×|]{17}[0-9Xx×]")
_BIRTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_VALIDITY = re.compile(
    r"(\d{4})[.\-/。](\d{1,2})[.\-/。](\d{1,2})\s*[-—–至~]\s*(?:(\d{4})[.\-/。](\d{1,2})[.\-/。](\d{1,2})|长期)"
)
_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "birth": "出生",
    "address": "住址",
    "number": "公民身份号码",
    "authority": "签发机关",
    "validity": "有效期限",
}
_ALL_LABELS = tuple(_LABELS.values())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom, and left to right within a row: boxes whose middles are within half a line height of
    each other are one row (OCR returns them in detection order, which is not reading order)."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: ln.middle_y):
        if rows and abs(rows[-1][0].middle_y - line.middle_y) < max(rows[-1][0].height, line.height) * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: ln.box[0])]


def _strip_label(text: str, label: str) -> str:
    squashed = _squash(text)
    index = squashed.find(label)
    return squashed[index + len(label) :] if index >= 0 else squashed


def _starts_with_label(text: str) -> bool:
    squashed = _squash(text)
    return any(squashed.startswith(label) for label in _ALL_LABELS)


def _confidence_field(value: str, score: float) -> CardField:
    if not value:
        return CardField("", False, "not_found")
    return CardField(value, score >= LOW_CONFIDENCE, "" if score >= LOW_CONFIDENCE else "low_confidence")


def _find_id(lines: list[TextLine]) -> tuple[str, float, TextLine | None]:
    for line in lines:
        candidate = _ID_CANDIDATE.search(_squash(line.text))
        if candidate:
            return candidate.group(0).translate(_DIGIT_LOOKALIKES).upper(), line.score, line
    return "", 0.0, None


def looks_like_front(lines: list[TextLine]) -> bool:
    text = "".join(_squash(line.text) for line in lines)
    return any(label in text for label in ("姓名", "公民身份号码", "住址", "出生")) or bool(
        _find_id(lines)[0]
    )


def looks_like_back(lines: list[TextLine]) -> bool:
    text = "".join(_squash(line.text) for line in lines)
    return "签发机关" in text or "有效期限" in text or "居民身份证" in text


def parse_front(lines: list[TextLine], *, today: datetime.date) -> CardReading:
    ordered = reading_order(lines)
    reading = CardReading(side="front")
    number, number_score, number_line = _find_id(ordered)
    checked = None
    if not number:
        reading.fields["resident_id"] = CardField("", False, "not_found")
    else:
        try:
            checked = check_resident_id(number, today=today)
        except InvalidResidentId:
            reading.fields["resident_id"] = CardField(number, False, "id_checksum")
        else:
            # The check digit catches every single misread digit and most transpositions: confirmed.
            reading.fields["resident_id"] = CardField(checked.number, True)
    texts = [(line, _squash(line.text)) for line in ordered]

    def value_after(label: str) -> tuple[str, float, int]:
        for index, (line, text) in enumerate(texts):
            if label in text:
                rest = _strip_label(text, label)
                if rest:
                    return rest, line.score, index
                # The value is a separate box right of the label, on the same row.
                if index + 1 < len(texts) and not _starts_with_label(texts[index + 1][1]):
                    return texts[index + 1][1], texts[index + 1][0].score, index + 1
                return "", 0.0, index
        return "", 0.0, -1

    name, name_score, _ = value_after("姓名")
    reading.fields["name"] = _confidence_field(name, name_score)

    sex_text, _, _ = value_after("性别")
    sex = sex_text[:1] if sex_text[:1] in ("男", "女") else ""
    ethnicity_text, ethnicity_score, _ = value_after("民族")
    if not ethnicity_text and "民族" in sex_text:
        ethnicity_text = sex_text.split("民族", 1)[1]
    reading.fields["ethnicity"] = _confidence_field(ethnicity_text, ethnicity_score)

    birth_text = "".join(text for _, text in texts if _BIRTH.search(text))
    birth_match = _BIRTH.search(birth_text)
    printed_birth = None
    if birth_match:
        try:
            printed_birth = datetime.date(*(int(part) for part in birth_match.groups()))
        except ValueError:
            printed_birth = None
    if checked is not None:
        # The number is confirmed by its check digit: it says the birth date and sex. Where the printed ones
        # read differently, the number wins and the field is shown so the person sees why.
        id_sex = "男" if checked.gender == "M" else "女"
        reading.fields["sex"] = CardField(
            id_sex, not sex or sex == id_sex, "" if not sex or sex == id_sex else "sex_differs"
        )
        same_birth = printed_birth is None or printed_birth == checked.birth_date
        reading.fields["birth_date"] = CardField(
            checked.birth_date.isoformat(), same_birth, "" if same_birth else "birth_date_differs"
        )
    else:
        # Only the number can confirm the printed sex; without it the reading is shown for checking.
        reading.fields["sex"] = CardField(sex, False, "low_confidence" if sex else "not_found")
        reading.fields["birth_date"] = (
            CardField(printed_birth.isoformat(), False, "low_confidence")
            if printed_birth
            else CardField("", False, "unreadable_date")
        )

    # The address: the text right of 住址 and the lines below it up to the number's row, left of the photo.
    address_parts: list[str] = []
    address_scores: list[float] = []
    started = False
    for line, text in texts:
        if "住址" in text:
            started = True
            rest = _strip_label(text, "住址")
            if rest:
                address_parts.append(rest)
                address_scores.append(line.score)
            continue
        if not started:
            continue
        if line is number_line or "公民身份号码" in text or _starts_with_label(text):
            break
        address_parts.append(text)
        address_scores.append(line.score)
    address = "".join(address_parts)
    reading.fields["address"] = _confidence_field(address, min(address_scores) if address_scores else 0.0)
    del number_score
    return reading


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_back(lines: list[TextLine], *, today: datetime.date) -> CardReading:
    ordered = reading_order(lines)
    reading = CardReading(side="back")
    texts = [(line, _squash(line.text)) for line in ordered]
    authority, authority_score = "", 0.0
    for index, (line, text) in enumerate(texts):
        if "签发机关" in text:
            authority, authority_score = _strip_label(text, "签发机关"), line.score
            if not authority and index + 1 < len(texts):
                authority, authority_score = texts[index + 1][1], texts[index + 1][0].score
            break
    reading.fields["authority"] = _confidence_field(authority, authority_score)
    joined = "".join(text for _, text in texts)
    match = _VALIDITY.search(joined)
    if not match:
        reading.fields["valid_from"] = CardField("", False, "unreadable_date")
        reading.fields["valid_until"] = CardField("", False, "unreadable_date")
        return reading
    start = _date(*match.groups()[:3])
    until_long_term = match.group(4) is None
    until = None if until_long_term else _date(match.group(4), match.group(5), match.group(6))
    # A card is valid for 5, 10 or 20 years, or for life (长期), always to the same month and day: when the two
    # dates agree with that, neither was misread.
    plausible = (
        start is not None
        and (until_long_term or (until is not None and until.year - start.year in (5, 10, 20)
                                 and (until.month, until.day) == (start.month, start.day)))
    )  # fmt: skip
    reading.fields["valid_from"] = CardField(
        start.isoformat() if start else "", plausible, "" if plausible else "unreadable_date"
    )
    reading.fields["valid_until"] = CardField(
        "长期" if until_long_term else (until.isoformat() if until else ""),
        plausible,
        "" if plausible else "unreadable_date",
    )
    reading.expired = bool(until is not None and until < today)
    return reading
