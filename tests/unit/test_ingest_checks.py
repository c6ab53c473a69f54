"""A value wider than its column is narrowed before its draft joins a chunk,
with a note naming it: PostgreSQL would refuse the whole chunk."""

from __future__ import annotations

from desktop.core.ingest.checks import ID_WIDTH, LANGUAGE_WIDTH, NAME_WIDTH, checked
from desktop.domain.ingest import ItemDraft


def test_values_wider_than_their_columns_are_narrowed_and_named() -> None:
    draft = ItemDraft(
        text="a post",
        external_id="i" * 300,
        author="a" * 201,
        author_name="n" * 500,
        source="s" * 201,
        language="x" * (LANGUAGE_WIDTH + 1),
    )
    fixed, notes = checked(draft)
    assert fixed.external_id is not None and len(fixed.external_id) == ID_WIDTH
    assert [len(v or "") for v in (fixed.author, fixed.author_name, fixed.source)] == [NAME_WIDTH] * 3
    assert fixed.language is None and fixed.text == "a post"
    assert len(notes) == 5


def test_long_ids_stay_apart_and_the_same_id_is_shortened_alike() -> None:
    """Two names alike in their first 200 characters are two items, and the
    same input read again finds its item by the same shortened id."""
    first, _ = checked(ItemDraft(text="", external_id="p" * 250 + "1.jpg"))
    second, _ = checked(ItemDraft(text="", external_id="p" * 250 + "2.jpg"))
    again, _ = checked(ItemDraft(text="", external_id="p" * 250 + "1.jpg"))
    assert first.external_id != second.external_id and first.external_id == again.external_id


def test_values_that_fit_are_left_alone() -> None:
    draft = ItemDraft(text="t", external_id="i" * ID_WIDTH, author="a" * NAME_WIDTH, language="en")
    assert checked(draft) == (draft, [])
