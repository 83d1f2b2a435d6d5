"""Bulk insert of many rows given as columns, for imports: on PostgreSQL ids from the table's sequence and one
COPY, with encrypted fields sealed and blind indexes computed exactly as the model fields do; elsewhere
bulk_create. Driven by the model's fields, so any app's import can use it."""

import datetime
from dataclasses import dataclass
from typing import Any

_ID_SEQUENCES: dict[str, str] = {}


@dataclass(frozen=True)
class Same:
    """A column with one value on every row of a bulk insert."""

    value: Any


def bulk_insert(model: Any, columns: dict[str, Any], count: int, *, ids: bool) -> list[int]:
    """Insert `count` rows given as columns (a list per column, or Same(value); keys are column names,
    personal values in plaintext) and return their ids.

    On PostgreSQL: ids drawn from the table's sequence in one query, then one COPY — the import's hot path,
    about 3x faster than bulk_create's model instances. Encrypted fields are sealed and blind indexes
    computed here exactly as the model fields do (same functions, column name as associated data).
    Elsewhere (SQLite): bulk_create, whose fields do the same work.
    """
    import json

    from django.db import connection

    from gonghui.core import pii
    from gonghui.core.fields import BlindIndexField, EncryptedTextField

    if not count:
        return []
    if connection.vendor != "postgresql":
        rows = [
            model(**{c: v.value if isinstance(v, Same) else v[i] for c, v in columns.items()})
            for i in range(count)
        ]
        return [obj.pk for obj in model.objects.bulk_create(rows, batch_size=2000)]
    table = model._meta.db_table
    fields = {f.column: f for f in model._meta.concrete_fields}
    values = dict(columns)
    for column, index_field in ((c, fields[c]) for c in values if isinstance(fields[c], BlindIndexField)):
        if isinstance(values[column], Same):
            continue
        source = values[index_field.source]
        values[column] = [
            index if index is not None or not plain else pii.blind_index(plain, purpose=index_field.purpose)
            for index, plain in zip(values[column], source, strict=True)
        ]
    for column in [c for c in values if isinstance(fields[c], EncryptedTextField)]:
        plain = values[column]
        if isinstance(plain, Same):
            values[column] = Same(pii.encrypt(str(plain.value), aad=column) if plain.value else plain.value)
            continue
        present = [i for i, v in enumerate(plain) if v]
        sealed = list(plain)
        for i, token in zip(
            present, pii.encrypt_many([str(plain[i]) for i in present], aad=column), strict=True
        ):
            sealed[i] = token
        values[column] = sealed
    for column in [c for c in values if fields[c].get_internal_type() == "JSONField"]:
        if isinstance(values[column], Same):
            values[column] = Same(json.dumps(values[column].value))
        else:
            # Rows repeat a few warning lists ([] above all): each distinct one is written once. Other
            # values (an audit event's details) are written as they are.
            texts: dict[tuple[Any, ...], str] = {}
            values[column] = [
                (texts.get(key := tuple(v)) or texts.setdefault(key, json.dumps(v)))
                if isinstance(v, list)
                else json.dumps(v)
                for v in values[column]
            ]
    pks: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            if table not in _ID_SEQUENCES:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                _ID_SEQUENCES[table] = cursor.fetchone()[0]
            # The sequence named once: pg_get_serial_sequence in the select list is a catalog lookup per row.
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_ID_SEQUENCES[table], count]
            )
            pks = [row[0] for row in cursor.fetchall()]
            values = {"id": pks, **values}
        names = ", ".join(connection.ops.quote_name(c) for c in values)
        # The chunk as one block of COPY text, built column by column (a column of one type is converted
        # in one C-level pass; psycopg's write_row dispatches every value on its own).
        fields_text = [
            [_copy_text(v.value)] * count if isinstance(v, Same) else copy_texts(v) for v in values.values()
        ]
        block = "\n".join(map("\t".join, zip(*fields_text, strict=True))) + "\n"
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(block.encode())
    return pks


_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_texts(values: list[Any]) -> list[str]:
    """One column's values as fields of PostgreSQL's COPY text format: \\N for NULL, t/f, ISO dates and
    times, and backslash, tab, newline and carriage return escaped."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        # Four substring searches (memchr-fast) beat one character-class regex over the column.
        if not any(special in joined for special in _COPY_SPECIAL):
            return values
        return [v.translate(_COPY_ESCAPES) for v in values]
    if kinds <= {int, datetime.date, datetime.datetime}:
        return list(map(str, values))
    return [_copy_text(v) for v in values]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)
