"""The one keyset pagination, against PostgreSQL: every row once, in order, whatever the page
size; ties on time broken by id; a bad cursor refused on `cursor`."""
import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from seibiant_common.errors import InvalidInput
from seibiant_common.paging import keyset_page
from seibiant_common.types import UtcDateTime

T0 = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.timezone.utc)


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, nullable=False)
    owner: Mapped[str] = mapped_column(sa.String(64), nullable=False)


@pytest.fixture
def session(make_database_url):
    engine = sa.create_engine(make_database_url("postgresql", "paging"))
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        # three share a time, so only the id orders them; "b" is someone else's
        session.add_all([Thing(id=ident, created_at=T0 + datetime.timedelta(minutes=minutes),
                               owner="b" if ident == "t4" else "a")
                         for ident, minutes in [("t3", 0), ("t1", 0), ("t2", 0), ("t5", 1),
                                                ("t4", 2), ("t6", 3), ("t0", -1)]])
        session.commit()
        yield session
    engine.dispose()


def _walk(session, query, order, limit, **options):
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset_page(session, query, order, limit, cursor, **options)
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 200])
def test_every_row_once_in_order_whatever_the_page_size(session, limit):
    query = sa.select(Thing).where(Thing.owner == "a")
    order = (Thing.created_at, Thing.id)
    oldest, pages = _walk(session, query, order, limit, view=lambda thing: thing.id)
    assert oldest == ["t0", "t1", "t2", "t3", "t5", "t6"]
    assert pages == -(-6 // limit)  # no empty page at the end
    newest, _ = _walk(session, query, order, limit, descending=True,
                      view=lambda thing: thing.id)
    assert newest == list(reversed(oldest))


def test_a_full_last_page_without_more_has_no_cursor(session):
    page = keyset_page(session, sa.select(Thing).where(Thing.owner == "a"),
                       (Thing.created_at, Thing.id), 6, None)
    assert len(page["items"]) == 6 and page["next_cursor"] is None


def test_a_select_of_several_entities_gives_tuples_and_one_column_keys(session):
    page = keyset_page(session, sa.select(Thing.id, Thing.owner), (Thing.id,), 2, None)
    assert page["items"] == [("t0", "a"), ("t1", "a")]
    after = keyset_page(session, sa.select(Thing.id, Thing.owner), (Thing.id,), 2,
                        page["next_cursor"])
    assert after["items"] == [("t2", "a"), ("t3", "a")]


@pytest.mark.parametrize("cursor", ["", "not base64!", "WyJ4Il0",  # ["x"]: one value, not two
                                    "WyJub3QgYSB0aW1lIiwidDEiXQ"])  # ["not a time","t1"]
def test_a_bad_cursor_is_invalid_input_on_cursor(session, cursor):
    with pytest.raises(InvalidInput) as invalid:
        keyset_page(session, sa.select(Thing), (Thing.created_at, Thing.id), 2, cursor)
    assert list(invalid.value.errors) == ["cursor"]
