"""Property tests: normalisation and validation agree with the ISO 7064 MOD 11-2 check character."""

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from gonghui.members.validators import InvalidResidentId, check_resident_id, normalise_resident_id

bodies = st.builds(
    lambda area, day, seq: f"{area}{day:%Y%m%d}{seq:03d}",
    st.sampled_from(["110112", "110108", "110101", "320102"]),
    st.dates(min_value=datetime.date(1998, 1, 1), max_value=datetime.date(2008, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


def complete(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@given(bodies)
def test_it_accepts_every_id_with_the_right_check_character(body):
    checked = check_resident_id(complete(body))
    assert checked.number == complete(body)
    assert checked.birth_date == datetime.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    assert checked.gender == ("M" if int(body[16]) % 2 else "F")


@given(bodies, st.sampled_from("0123456789X"))
def test_it_refuses_every_wrong_check_character(body, check):
    assume(check != ric.calc_check_digit(body + "0"))
    with pytest.raises(InvalidResidentId):
        check_resident_id(body + check)


@given(bodies, st.lists(st.sampled_from([" ", "\u3000", "-"]), max_size=4), st.booleans())
def test_it_normalises_spacing_full_width_and_case(body, separators, full_width):
    number = complete(body)
    messy = number.lower()
    for i, sep in enumerate(separators):
        cut = 3 + i * 4
        messy = messy[:cut] + sep + messy[cut:]
    if full_width:
        messy = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in messy)
    assert normalise_resident_id(messy) == number
    assert check_resident_id(messy).number == number


@given(st.text(max_size=30))
def test_it_never_crashes_on_arbitrary_text(raw):
    try:
        checked = check_resident_id(raw)
    except InvalidResidentId as error:
        assert error.code.startswith("resident_id_") and error.message
    else:
        assert len(checked.number) == 18


def test_it_recognises_an_id_that_excel_turned_into_a_number():
    number = complete("11010819990520243")
    padded = number[:15] + "000"  # Excel keeps 15 significant digits
    assert ric.calc_check_digit(padded) != padded[-1]
    for mangled in (f"{float(number):.14E}", padded, str(float(number)), f"{number}.0"):
        with pytest.raises(InvalidResidentId) as caught:
            check_resident_id(mangled)
        assert caught.value.code in ("resident_id_excel_number",), mangled
