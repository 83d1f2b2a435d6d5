"""The parser over hand-made OCR lines: reading order, labels split from values, and every misread shown."""

import datetime

from gonghui.idcards.parse import TextLine, parse_back, parse_front, reading_order

TODAY = datetime.date(2026, 12, 2)
NUMBER = "110108199003071234"  # check digit computed below


def _id(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "0")


def line(text: str, left: float, top: float, *, score: float = 0.99, width: float = 200) -> TextLine:
    return TextLine(text=text, box=(left, top, left + width, top + 34), score=score)


def front_lines(resident_id: str) -> list[TextLine]:
    # Deliberately out of order, with labels and values as separate boxes, as OCR returns them.
    return [
        line(resident_id, 250, 444, width=420),
        line("住址", 60, 230, width=60),
        line("北京市海淀区甘家口街道阜成路", 150, 226, width=400),
        line("姓名", 60, 50, width=60),
        line("张国宽", 150, 46),
        line("公民身份号码", 60, 450, width=160),
        line("性别男", 60, 110, width=100),
        line("民族汉", 250, 110, width=100),
        line("出生", 60, 170, width=60),
        line("1990年3月7日", 150, 166),
        line("12号楼3单元501号", 150, 268, width=300),
    ]


def test_it_orders_lines_by_rows_then_left_to_right():
    ordered = reading_order(front_lines(_id("11010819900307123")))
    assert [ln.text for ln in ordered][:5] == ["姓名", "张国宽", "性别男", "民族汉", "出生"]


def test_it_reads_every_front_field_and_confirms_what_the_number_proves():
    resident_id = _id("11010819900307123")
    reading = parse_front(front_lines(resident_id), today=TODAY)
    assert reading.value("name") == "张国宽"
    assert reading.value("ethnicity") == "汉"
    assert reading.value("address") == "北京市海淀区甘家口街道阜成路12号楼3单元501号"
    assert reading.fields["resident_id"].confirmed
    assert reading.value("birth_date") == "1990-03-07"
    assert reading.fields["birth_date"].confirmed
    # The 17th digit (3) is odd: a man, as printed.
    assert (reading.value("sex"), reading.fields["sex"].confirmed) == ("男", True)


def test_it_turns_letter_lookalikes_into_digits_and_then_checks_the_number():
    resident_id = _id("11010819900307123")
    misread = resident_id.replace("0", "O", 1)
    reading = parse_front([*front_lines(misread)[1:], line(misread, 250, 444, width=420)], today=TODAY)
    assert reading.value("resident_id") == resident_id
    assert reading.fields["resident_id"].confirmed


def test_it_never_confirms_a_number_whose_check_digit_fails():
    resident_id = _id("11010819900307123")
    wrong = resident_id[:10] + ("4" if resident_id[10] != "4" else "5") + resident_id[11:]
    reading = parse_front([*front_lines(wrong)[1:], line(wrong, 250, 444, width=420)], today=TODAY)
    assert reading.value("resident_id") == wrong
    assert not reading.fields["resident_id"].confirmed
    assert reading.fields["resident_id"].problem == "id_checksum"
    # Without a confirmed number the birth date and sex are only what the OCR read: shown for checking.
    assert not reading.fields["birth_date"].confirmed
    assert not reading.fields["sex"].confirmed


def test_it_shows_a_printed_birth_date_that_differs_from_the_number():
    resident_id = _id("11010819900307123")
    lines = [
        ln if ln.text != "1990年3月7日" else line("1990年8月7日", 150, 166) for ln in front_lines(resident_id)
    ]
    reading = parse_front(lines, today=TODAY)
    assert reading.value("birth_date") == "1990-03-07"  # the number wins: its check digit confirmed it
    assert reading.fields["birth_date"].problem == "birth_date_differs"


def test_it_marks_a_low_confidence_name_for_checking():
    lines = [
        ln if ln.text != "张国宽" else line("张国宽", 150, 46, score=0.42)
        for ln in front_lines(_id("11010819900307123"))
    ]
    reading = parse_front(lines, today=TODAY)
    assert reading.fields["name"].problem == "low_confidence"
    assert not reading.fields["name"].confirmed


def test_it_reports_a_missing_number_as_not_found():
    reading = parse_front(front_lines(_id("11010819900307123"))[1:], today=TODAY)
    assert reading.fields["resident_id"].problem == "not_found"


def test_it_reads_the_back_with_a_life_long_validity():
    reading = parse_back(
        [
            line("有效期限", 150, 440, width=120),
            line("2024.06.18-长期", 300, 436),
            line("签发机关", 150, 370, width=120),
            line("北京市公安局海淀分局", 300, 366),
        ],
        today=TODAY,
    )
    assert reading.value("authority") == "北京市公安局海淀分局"
    assert (reading.value("valid_from"), reading.value("valid_until")) == ("2024-06-18", "长期")
    assert reading.fields["valid_until"].confirmed and not reading.expired


def test_it_flags_an_expired_card_and_doubts_dates_that_do_not_fit_a_card_term():
    expired = parse_back([line("签发机关北京市公安局通州分局", 150, 370, width=400),
                          line("有效期限2008.12.15-2018.12.15", 150, 436, width=400)], today=TODAY)  # fmt: skip
    assert expired.expired and expired.fields["valid_until"].confirmed
    odd = parse_back([line("有效期限2008.12.15-2019.12.16", 150, 436, width=400)], today=TODAY)
    assert not odd.fields["valid_until"].confirmed
    assert odd.fields["valid_until"].problem == "unreadable_date"
