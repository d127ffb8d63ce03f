"""The staycation use cases: load from the unit of work's session, apply the domain's rules,
save, and write the events those rules return to the outbox of the same unit of work.

Agreeing a swap holds both its homes' rows (in id order, so two acceptances never wait on
each other crosswise) while it reads their agreed swaps: of two proposals for the same home
and dates accepted at once, the second reads the first's agreement and is refused.
"""
import sqlalchemy as sa

from seibiant_common.contracts import payloads
from seibiant_common.cursors import ID, MOMENT, decode_cursor
from seibiant_common.errors import Forbidden, NotFound, wire_errors
from seibiant_common.paging import keyset_page
from seibiant_common.sql import upsert

from . import domain
from .domain import Family, Home, Message, Review, SafeguardingRead, Swap
from .models import homes, messages, reviews, swaps

COMPLETE_BATCH = 100
MAX_MATCHES = 50  # the best of them: a family reads a page, not ten thousand


# --- families -------------------------------------------------------------------------------

def _family(uow, family_id, lock=False):
    return (uow.session.get(Family, family_id, with_for_update=lock)
            or _added(uow, Family(family_id)))


def _added(uow, thing):
    uow.session.add(thing)
    return thing


def account_changed(uow, fact):
    """The latest of a family's account details (others' accounts are not kept)."""
    if fact["role"] != "family":
        return
    family = _family(uow, fact["account_id"], lock=True)
    if family.changed_at is not None and family.changed_at >= fact["changed_at"]:
        return
    for name in ("council", "display_name", "email", "mobile", "language", "changed_at"):
        setattr(family, name, fact[name])


def put_my_needs(uow, actor, data):
    if actor.get("role") != "family":
        raise Forbidden("only a family tells what it needs of a home")
    family = _family(uow, actor["user_id"], lock=True)
    family.council = family.council or actor.get("council")
    family.tell_needs(data["needs"], data["must_haves"])
    # its homes carry what it requires, for matching (one statement, in this transaction)
    uow.session.execute(homes.update().where(homes.c.family_id == family.family_id)
                        .values(family_requires_mask=family.requires_mask))
    return family


def my_needs(uow, actor):
    if actor.get("role") != "family":
        raise Forbidden("only a family tells what it needs of a home")
    return uow.session.get(Family, actor["user_id"]) or Family(actor["user_id"])


def _verifier(actor):
    if actor.get("role") not in ("officer", "referrer"):
        raise Forbidden("only officers and referrers verify families for swaps")


def verify(uow, actor, family_id, referrer_knows, now):
    _verifier(actor)
    family = _family(uow, family_id, lock=True)
    with wire_errors():
        events = family.verify(actor, referrer_knows, now)
    for home in _homes_of(uow, family_id):
        home.resume(now)
    payloads.emit_all(uow, events, family_id)
    return family


def withdraw_verification(uow, actor, family_id, referrer_knows, now):
    """The family's listings are paused until it is verified again."""
    _verifier(actor)
    family = uow.session.get(Family, family_id, with_for_update=True)
    if family is None or not family.verified:
        raise NotFound("the family is not verified for swaps")
    with wire_errors():
        events = family.withdraw_verification(actor, referrer_knows, now)
    for home in _homes_of(uow, family_id):
        home.pause(now)
    payloads.emit_all(uow, events, family_id)
    return family


def verification_of(uow, actor, family_id, referrer_knows):
    _verifier(actor)
    family = uow.session.get(Family, family_id) or Family(family_id)
    if not domain.may_verify(actor, family.council, referrer_knows):
        raise NotFound("no such family")
    return family


def my_verification(uow, actor):
    """Whether the family itself is verified for swaps (a page says so before it offers to
    list a home)."""
    if actor.get("role") != "family":
        raise Forbidden("only a family asks whether it is verified for swaps")
    return uow.session.get(Family, actor["user_id"]) or Family(actor["user_id"])


def _homes_of(uow, family_id):
    return uow.session.execute(sa.select(Home).where(homes.c.family_id == family_id)
                               .with_for_update()).scalars().all()


# --- homes ----------------------------------------------------------------------------------

def list_home(uow, actor, data, now):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
        family = _family(uow, actor["user_id"])
        home, events = Home.new(actor, family.verified, data, now)
    home.family_requires_mask = family.requires_mask
    uow.session.add(home)
    payloads.emit_all(uow, events, home.id, new_aggregate=True)
    return home


def _own_home(uow, actor, home_id, lock=False):
    home = uow.session.get(Home, home_id, with_for_update=lock)
    if home is None or not home.is_owner(actor):
        raise NotFound("no such home of yours")
    return home


def change_home(uow, actor, home_id, data, now):
    home = _own_home(uow, actor, home_id, lock=True)
    with wire_errors():
        events = home.change(data, now)
    payloads.emit_all(uow, events, home.id)
    return home


def set_availability(uow, actor, home_id, ranges, now):
    home = _own_home(uow, actor, home_id, lock=True)
    with wire_errors():
        home.set_availability(ranges, now.date(), now)
    return home


def withdraw_home(uow, actor, home_id, now):
    home = _own_home(uow, actor, home_id, lock=True)
    with wire_errors():
        events = home.withdraw(now)
    payloads.emit_all(uow, events, home.id)
    return home


def my_homes(uow, actor, limit, cursor):
    if actor.get("role") != "family":
        raise Forbidden("only a family has homes")
    query = sa.select(Home).where(homes.c.family_id == actor["user_id"])
    return keyset_page(uow.session, query, (homes.c.created_at, homes.c.id), limit, cursor)


def get_home(uow, actor, home_id):
    """A listed home, for verified families, officers and referrers; its own family at any
    time (with its address: `own`)."""
    home = uow.session.get(Home, home_id)
    if home is None:
        raise NotFound("no such home")
    if home.is_owner(actor):
        return home, True
    role = actor.get("role")
    if home.status != domain.LISTED or role not in ("family", "officer", "referrer") or (
            role == "family" and not _family(uow, actor["user_id"]).verified):
        raise NotFound("no such home")
    return home, False


def _agreed_blocks(uow, home_ids):
    """(home id, start, end) of every agreed swap of these homes."""
    rows = uow.session.execute(sa.select(Swap).where(
        swaps.c.status == domain.AGREED,
        sa.or_(swaps.c.proposer_home_id.in_(home_ids),
               swaps.c.partner_home_id.in_(home_ids)))).scalars().all()
    return [(home_id, *block) for swap in rows for home_id, block in swap.blocks().items()]


def _blocks_in(uow, start, end):
    """{home id: [(start, end)]} of the agreed swaps' stays that share a night with
    [start, end): the only ones that can make a home unavailable then."""
    rows = uow.session.execute(sa.select(Swap).where(
        swaps.c.status == domain.AGREED,
        sa.or_(sa.and_(swaps.c.proposer_stay_start < end, swaps.c.proposer_stay_end > start),
               sa.and_(swaps.c.partner_stay_start < end, swaps.c.partner_stay_end > start))
    )).scalars().all()
    blocks: dict = {}
    for swap in rows:
        for blocked_id, (first, last) in swap.blocks().items():
            if domain.overlaps(first, last, start, end):
                blocks.setdefault(blocked_id, []).append((first, last))
    return blocks


def matches(uow, actor, home_id, start, end):
    """Other listed homes free in [start, end) (nights not blocked by an agreed swap), with
    how well each suits both families, best first (the first `MAX_MATCHES`).

    The database does the sifting on integers, on the homes table alone: the homes available
    around the dates whose features (a bit mask) meet something my family requires, whose
    family requires (the copy of its mask on the home) something my home has, or which miss
    nothing either way (`domain.may_match`, what `domain.ranked`
    keeps). Only their masks and how many availability ranges they have are read; a home's
    ranges (JSON) only when one range does not settle it (several ranges, or an agreed swap
    in the dates). The best are chosen on the masks (`domain.best`), their reasons worked out
    (`domain.match`) and whole homes read for them alone."""
    mine = _own_home(uow, actor, home_id)
    family = _family(uow, actor["user_id"])
    with wire_errors():
        domain.require_verified(family.verified)
    wanted, features = family.requires_mask, mine.features_mask
    they_need = homes.c.family_requires_mask
    fits_me = homes.c.features_mask.op("&")(wanted)
    fits_them = they_need.op("&")(features)
    candidates = uow.session.execute(
        sa.select(homes.c.id, homes.c.features_mask, they_need.label("requires_mask"),
                  sa.func.json_array_length(homes.c.availability).label("ranges"))
        .where(homes.c.status == domain.LISTED, homes.c.family_id != actor["user_id"],
               homes.c.available_from < end, homes.c.available_until > start,
               sa.or_(fits_me != 0, fits_them != 0,
                      sa.and_(fits_me == wanted, fits_them == they_need)))
    ).all()
    blocks = _blocks_in(uow, start, end)
    # one range around the dates (the query's) and no agreed swap in them: free
    unsettled = [row.id for row in candidates if row.ranges > 1 or row.id in blocks]
    ranges = dict(uow.session.execute(sa.select(homes.c.id, homes.c.availability).where(
        homes.c.id.in_(unsettled))).all()) if unsettled else {}
    best = domain.best(wanted, features, (
        (row.id, row.requires_mask, row.features_mask) for row in candidates
        if row.id not in ranges or domain.free_in(ranges[row.id], blocks.get(row.id, ()),
                                                  start, end)), MAX_MATCHES)
    ranked = domain.ranked(
        domain.match(family.requires, mine.features, domain.features_of(theirs),
                     domain.features_of(their_features), home)
        for home, theirs, their_features in best)
    found = {home.id: home for home in uow.session.execute(
        sa.select(Home).where(homes.c.id.in_([m.home_id for m in ranked]))).scalars()}
    return [{"home": found[m.home_id], "match": m.as_dict()} for m in ranked]


# --- swaps ----------------------------------------------------------------------------------

def propose(uow, actor, data, now):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
    my_home = _own_home(uow, actor, data["my_home_id"])
    their_home = uow.session.get(Home, data["their_home_id"])
    if their_home is None:
        raise NotFound("no such home")
    with wire_errors():
        swap, events = Swap.propose(actor, _family(uow, actor["user_id"]).verified,
                                    my_home, their_home, data["my_stay"],
                                    data["their_stay"], now)
    uow.session.add(swap)
    payloads.emit_all(uow, events, swap.id, new_aggregate=True)
    return swap


def _swap_of_party(uow, actor, swap_id, lock=False):
    swap = uow.session.get(Swap, swap_id, with_for_update=lock)
    if swap is None or not swap.is_party(actor):
        raise NotFound("no such swap of yours")
    return swap


def accept(uow, actor, swap_id, now):
    swap = _swap_of_party(uow, actor, swap_id)
    ids = sorted((swap.proposer_home_id, swap.partner_home_id))
    held = uow.session.execute(sa.select(Home).where(homes.c.id.in_(ids))
                               .order_by(homes.c.id).with_for_update()
                               .execution_options(populate_existing=True)).scalars().all()
    swap = _swap_of_party(uow, actor, swap_id, lock=True)
    uow.session.refresh(swap)
    with wire_errors():
        events = swap.accept(actor, _family(uow, actor["user_id"]).verified, held,
                             _agreed_blocks(uow, ids), now)
    payloads.emit_all(uow, events, swap.id)
    return swap


def decline(uow, actor, swap_id, now):
    swap = _swap_of_party(uow, actor, swap_id, lock=True)
    with wire_errors():
        events = swap.decline(actor, now)
    payloads.emit_all(uow, events, swap.id)
    return swap


def cancel(uow, actor, swap_id, now):
    swap = _swap_of_party(uow, actor, swap_id, lock=True)
    with wire_errors():
        events = swap.cancel(actor, now)
    payloads.emit_all(uow, events, swap.id)
    return swap


def complete_due(uow, now):
    """Agreed swaps whose last stay has ended, completed once each: the rows are claimed
    with SKIP LOCKED, so two instances' timers never complete one twice."""
    due = uow.session.execute(
        sa.select(Swap).where(swaps.c.status == domain.AGREED,
                              swaps.c.proposer_stay_end <= now.date(),
                              swaps.c.partner_stay_end <= now.date())
        .order_by(swaps.c.id).limit(COMPLETE_BATCH).with_for_update(skip_locked=True)
    ).scalars().all()
    for swap in due:
        payloads.emit_all(uow, swap.complete(now), swap.id)
    return len(due)


def swap_view(uow, actor, swap):
    """A swap as its party sees it: the partner's address and contact once agreed."""
    partner = None
    if swap.may_see_address(actor):
        other = swap.partner_of(actor["user_id"])
        home_id = (swap.partner_home_id if other == swap.partner_family_id
                   else swap.proposer_home_id)
        family = uow.session.get(Family, other) or Family(other)
        partner = {"home_id": home_id, "address": uow.session.get(Home, home_id).address,
                   "display_name": family.display_name, "email": family.email,
                   "mobile": family.mobile}
    return dict(vars(swap), swap=swap, partner=partner)


def get_swap(uow, actor, swap_id):
    return _swap_of_party(uow, actor, swap_id)


def my_swaps(uow, actor, limit, cursor):
    if actor.get("role") != "family":
        raise Forbidden("only a family has swaps")
    query = sa.select(Swap).where(sa.or_(swaps.c.proposer_family_id == actor["user_id"],
                                         swaps.c.partner_family_id == actor["user_id"]))
    return keyset_page(uow.session, query, (swaps.c.proposed_at, swaps.c.id), limit, cursor,
                       descending=True, view=lambda swap: swap_view(uow, actor, swap))


def family_swaps(uow, actor, family_id, referrer_knows, limit, cursor):
    """The swaps a family takes part in, newest first, for those who may verify it (an
    officer of its council, a referrer who knows it): what an officer needs to choose a
    swap to read for safeguarding, never its messages, addresses or contacts."""
    _verifier(actor)
    _cursor_read(cursor)
    family = uow.session.get(Family, family_id) or Family(family_id)
    if not domain.may_verify(actor, family.council, referrer_knows):
        raise NotFound("no such family")
    query = sa.select(Swap).where(sa.or_(swaps.c.proposer_family_id == family_id,
                                         swaps.c.partner_family_id == family_id))
    return keyset_page(uow.session, query, (swaps.c.proposed_at, swaps.c.id), limit, cursor,
                       descending=True, view=lambda swap: swap.seen_by(family_id))


# --- messages and reviews -------------------------------------------------------------------

def post_message(uow, actor, swap_id, text, now):
    swap = _swap_of_party(uow, actor, swap_id)
    with wire_errors():
        domain.check_message(swap, actor, text)
    message = _added(uow, Message(domain.new_id(), swap_id, actor["user_id"], text, now))
    payloads.emit_all(uow, [domain.message_posted(swap, message)], swap.id)
    return message


def _cursor_read(cursor):
    """A bad cursor is refused before the swap is looked for (so it is a 422 whosever)."""
    if cursor is not None:
        decode_cursor(cursor, MOMENT, ID)


def _messages(uow, swap_id, limit, cursor):
    query = sa.select(Message).where(messages.c.swap_id == swap_id)
    return keyset_page(uow.session, query, (messages.c.at, messages.c.id), limit, cursor)


def messages_of(uow, actor, swap_id, limit, cursor):
    _cursor_read(cursor)
    _swap_of_party(uow, actor, swap_id)
    return _messages(uow, swap_id, limit, cursor)


def safeguarding_read(uow, actor, swap_id, reason, limit, cursor, now):
    """An officer of either family's council reads a swap's messages; the read is recorded
    with the answer."""
    if actor.get("role") != "officer":
        raise Forbidden("only officers read a swap's messages for safeguarding")
    _cursor_read(cursor)
    swap = uow.session.get(Swap, swap_id)
    councils = {f.council for f in (uow.session.get(Family, fid) for fid in swap.families)
                if f is not None} if swap else set()
    if swap is None or actor.get("council") not in councils:
        raise NotFound("no such swap")
    page = _messages(uow, swap_id, limit, cursor)
    uow.session.add(SafeguardingRead(domain.new_id(), swap_id, actor["user_id"], reason, now))
    return page


def review(uow, actor, swap_id, data, now):
    swap = _swap_of_party(uow, actor, swap_id)
    already = uow.session.get(Review, (swap_id, actor["user_id"])) is not None
    with wire_errors():
        domain.check_review(swap, actor, already)
    stayed_in = (swap.partner_home_id if actor["user_id"] == swap.proposer_family_id
                 else swap.proposer_home_id)
    given = Review(swap_id, actor["user_id"], stayed_in, data["home_rating"],
                   data["guests_rating"], data["comment"], now)
    # one statement: of two reviews by one family at once, the second finds the first
    written = uow.session.execute(upsert(uow.session, reviews).values(
        {name: getattr(given, name) for name in (
            "swap_id", "family_id", "home_id", "home_rating", "guests_rating", "comment",
            "at")}).on_conflict_do_nothing())
    if written.rowcount == 0:
        with wire_errors():
            domain.check_review(swap, actor, True)
    return given


def home_reviews(uow, actor, home_id, now):
    """The reviews of a home's stays, each shown once both reviewed or 14 days passed."""
    get_home(uow, actor, home_id)
    rows = uow.session.execute(sa.select(Review, Swap).join(
        Swap, Swap.id == Review.swap_id).where(reviews.c.home_id == home_id)
        .order_by(reviews.c.at.desc())).all()
    counts: dict = {}
    for _, swap in uow.session.execute(sa.select(Review, Swap).join(
            Swap, Swap.id == Review.swap_id).where(
            reviews.c.swap_id.in_({r.swap_id for r, _ in rows}))).all():
        counts[swap.id] = counts.get(swap.id, 0) + 1
    return [r for r, swap in rows if domain.reviews_shown(swap, counts[swap.id], now)]
