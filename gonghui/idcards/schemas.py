from typing import Literal

from ninja import Field, Schema


class CardFieldOut(Schema):
    value: str
    confirmed: bool = Field(description="A rule independent of the OCR (check digit, cross-check) agrees.")
    problem: str = Field(description="Why the field should be checked; empty when confirmed.")
    problem_label: str


class IdCardReadOut(Schema):
    side: Literal["front", "back"]
    fields: dict[str, CardFieldOut]
    expired: bool
