"""The one keyset pagination: `{"items": [...], "next_cursor": str|None}` pages of a select.

A page is ordered by some columns (the last one unique, so the order is total) and starts
after the row its cursor names; the cursor is read once, by `cursors.decode_cursor` (a bad one
is `InvalidInput` on `cursor`, before any query), each value by its column's kind.
"""
import datetime
from typing import Any, Callable, List, Optional, Sequence, Tuple, TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .cursors import ID, MOMENT, decode_cursor, encode_cursor

class Page(TypedDict):
    items: List[Any]
    next_cursor: Optional[str]


def keyset_page(session: Session, query: sa.Select, order: Sequence[sa.ColumnElement],
                limit: int, cursor: Optional[str], *, descending: bool = False,
                view: Callable[[Any], Any] = lambda item: item) -> Page:
    """A page of `query` (a select of one entity or several) ordered by `order`, oldest
    (`descending`: newest) first, after the row `cursor` points at. Each item is what the
    select gives (its one entity, or the tuple of them), through `view`."""
    if cursor is not None:
        after = decode_cursor(cursor, *(_kind(column) for column in order))
        # Row-value comparison: one condition, which the (order...) index answers. Each value is
        # bound with its column's type, so times compare as the column stores them.
        key = sa.tuple_(*order)
        bound = sa.tuple_(*(sa.literal(value, column.type)
                            for column, value in zip(order, after, strict=True)))
        query = query.where(key < bound if descending else key > bound)
    width = len(query.column_descriptions)  # entities (or columns) selected, before the key
    # The sort key rides along with each row, so it is read as stored whatever the entity.
    query = query.add_columns(*order).order_by(
        *(column.desc() if descending else column.asc() for column in order)).limit(limit + 1)
    rows = session.execute(query).all()
    keys = [tuple(row[width:]) for row in rows]
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    return page_of(items, keys, limit, view)


def page_of(items: Sequence[Any], keys: Sequence[Tuple[Any, ...]], limit: int,
            view: Callable[[Any], Any] = lambda item: item) -> Page:
    """The page of `items` (up to `limit + 1` of them, `keys` their sort keys): the first
    `limit`, and a cursor after the last of them if there was one more."""
    next_cursor = encode_cursor(*(_plain(value) for value in keys[limit - 1])) \
        if len(items) > limit else None
    return {"items": [view(item) for item in items[:limit]], "next_cursor": next_cursor}


def _kind(column: sa.ColumnElement) -> Callable[[Any], Any]:
    stored = getattr(column.type, "impl", column.type)  # UtcDateTime decorates a DateTime
    return MOMENT if isinstance(stored, sa.DateTime) else ID


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.datetime) else value
