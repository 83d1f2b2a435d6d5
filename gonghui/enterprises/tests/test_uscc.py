import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from gonghui.enterprises.validators import ALPHABET, InvalidUscc, validate_uscc, with_check_character


def test_it_accepts_a_valid_code_in_any_reasonable_shape():
    code = with_check_character("91110108MA00F5JX3")
    assert validate_uscc(code) == code
    assert validate_uscc(f" {code[:6]} {code[6:]} ".lower()) == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert validate_uscc(full_width) == code


def test_it_accepts_codes_starting_with_a_letter_as_the_standard_allows():
    # 农民专业合作社 are registered by agriculture authorities: registering authority code N.
    code = with_check_character("N2110112MA00A1B2C")
    assert validate_uscc(code) == code
    code = with_check_character("Y1110108500000001")
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("9111010", "应为18位，当前填写的为7位"),
        ("911101O8MA00F5JX3X", "第3至8位"),
        ("0111010" + "8MA00F5JX3X", "第1位"),
    ],
)
def test_it_explains_what_is_wrong(raw, fragment):
    with pytest.raises(InvalidUscc) as caught:
        validate_uscc(raw)
    assert caught.value.code == "uscc_invalid"
    assert caught.value.field == "uscc"
    with translation.override("zh-hans"):
        assert fragment in str(caught.value.message)


def test_it_refuses_a_wrong_check_character():
    code = with_check_character("91110108MA00F5JX3")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidUscc):
        validate_uscc(wrong)


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
def test_it_round_trips_any_organisation_code(org):
    code = with_check_character("91110112" + org)
    assert validate_uscc(code) == code


@given(st.text(max_size=40))
def test_it_never_crashes_on_arbitrary_text(raw):
    try:
        code = validate_uscc(raw)
    except InvalidUscc as error:
        assert error.code == "uscc_invalid" and error.message
    else:
        assert len(code) == 18 and validate_uscc(code) == code
