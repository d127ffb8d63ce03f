"""The families use cases: load from the unit of work's session, apply the domain's rules,
save, and write the events those rules return to the outbox of the same unit of work.

A read of a profile by someone other than its family is recorded in the same unit of work
as the answer is made: no answer without its record (rule 7, docs/design.md).
"""
import sqlalchemy as sa

from seibiant_common.contracts import payloads
from seibiant_common.errors import Forbidden, NotFound, wire_errors
from seibiant_common.paging import keyset_page
from seibiant_common.sql import upsert

from . import domain
from .domain import Consent, Feedback, KnownBooking, Profile, Read, Response
from .models import consents, feedback, feedback_responses, known_bookings, profile_reads


# --- the profile ----------------------------------------------------------------------------

def my_profile(uow, actor):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
    return (uow.session.get(Profile, actor["user_id"])
            or Profile.empty(actor["user_id"], actor.get("council")))


def write_profile(uow, actor, data, now):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
        profile = uow.session.get(Profile, actor["user_id"], with_for_update=True)
        if profile is None:
            profile = Profile(actor["user_id"], actor.get("council"), [], None, None, now)
            uow.session.add(profile)
        profile.write(actor, data, now)
    return profile


def family_profile(uow, actor, family_id, now):
    """An officer of the family's council reads its whole profile; the read is recorded."""
    if actor.get("role") not in ("officer",):
        raise Forbidden("only the family's officers read a family's profile")
    profile = uow.session.get(Profile, family_id)
    if not domain.officer_may_read(actor, profile):
        raise NotFound("no such profile")
    uow.session.add(Read.by(actor, family_id, None, now))
    return profile


# --- sharing with a booking's provider ------------------------------------------------------

def _known(uow, booking_id, lock=False):
    return uow.session.get(KnownBooking, booking_id, with_for_update=lock)


def booking_requested(uow, booking_id, family_id, council, provider_id, break_end,
                      share_profile, now):
    """What a booking is (whichever of its events came first), and the family's consent to
    share, given with the request. A repeated request changes neither: a consent withdrawn
    stays withdrawn."""
    insert = upsert(uow.session, known_bookings).values(
        booking_id=booking_id, status=domain.REQUESTED, family_id=family_id, council=council,
        provider_id=provider_id, break_end=break_end)
    uow.session.execute(insert.on_conflict_do_update(
        index_elements=[known_bookings.c.booking_id],
        set_={name: insert.excluded[name]
              for name in ("family_id", "council", "provider_id", "break_end")}))
    if share_profile is not None:
        uow.session.execute(upsert(uow.session, consents).values(
            booking_id=booking_id, family_id=family_id, people=share_profile.get("people"),
            sections=share_profile.get("sections"), given_at=now)
            .on_conflict_do_nothing(index_elements=[consents.c.booking_id]))


def booking_moved(uow, booking_id, status):
    """A booking's new status, unless families has heard of a later one already."""
    booking = _known(uow, booking_id, lock=True)
    if booking is None:
        uow.session.add(KnownBooking(booking_id, status))
    elif domain.later_status(booking.status, status):
        booking.status = status


def _consent_of_family(uow, actor, booking_id, lock=False):
    consent = uow.session.get(Consent, booking_id, with_for_update=lock)
    if consent is None or consent.family_id != actor["user_id"]:
        raise NotFound("nothing of the profile was shared with this booking")
    return consent


def booking_profile(uow, actor, booking_id, now, sharing_days):
    """What the family shared with the booking's provider: for the provider (recorded)
    while the sharing window is open, for the family (to see what it shared) at any time.
    Anyone else, or at any other time: NotFound."""
    role = actor.get("role")
    if role not in ("family", "provider"):
        raise NotFound("nothing of the profile was shared with this booking")
    booking = _known(uow, booking_id)
    consent = uow.session.get(Consent, booking_id)
    if role == "family":
        consent = _consent_of_family(uow, actor, booking_id)
    elif not domain.provider_may_read(actor, booking, consent, now, sharing_days):
        raise NotFound("nothing of the profile was shared with this booking")
    profile = (uow.session.get(Profile, consent.family_id)
               or Profile.empty(consent.family_id, None))
    if role == "provider":
        uow.session.add(Read.by(actor, consent.family_id, booking_id, now))
    shared = profile.shared(consent)
    shared.update(booking_id=booking_id, given_at=consent.given_at,
                  withdrawn_at=consent.withdrawn_at,
                  readable=domain.sharing_open(booking, now, sharing_days)
                  and consent.withdrawn_at is None)
    return shared


def withdraw_consent(uow, actor, booking_id, now):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
        consent = _consent_of_family(uow, actor, booking_id, lock=True)
        consent.withdraw(actor, now)
    return consent


def profile_reads_of(uow, actor, limit, cursor):
    """Who read the family's profile, newest first."""
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
    query = sa.select(Read).where(profile_reads.c.family_id == actor["user_id"])
    return keyset_page(uow.session, query, (profile_reads.c.at, profile_reads.c.id), limit, cursor,
                       descending=True)


# --- feedback -------------------------------------------------------------------------------

def give_feedback(uow, actor, booking_id, data, now):
    with wire_errors():
        domain.require_role(actor.get("role"), "family")
    booking = _known(uow, booking_id, lock=True)
    if booking is None or booking.family_id != actor["user_id"]:
        raise NotFound("no such booking")
    already = uow.session.get(Feedback, booking_id) is not None
    with wire_errors():
        given, events = Feedback.give(actor, booking, already, data, now)
    uow.session.add(given)
    payloads.emit_all(uow, events, booking_id)
    return given


def feedback_of_booking(uow, actor, booking_id):
    """The family's own feedback on its booking, or None (NotFound: not its booking)."""
    booking = _known(uow, booking_id)
    if actor.get("role") != "family" or booking is None \
            or booking.family_id != actor["user_id"]:
        raise NotFound("no such booking")
    return uow.session.get(Feedback, booking_id)


def provider_feedback(uow, actor, provider_id):
    """A provider's feedback summary and the officers' responses to it."""
    council = domain.may_see_feedback(actor, provider_id)
    if council is False:
        raise NotFound("no such provider's feedback")
    query = sa.select(Feedback).where(feedback.c.provider_id == provider_id)
    answers = sa.select(Response).where(feedback_responses.c.provider_id == provider_id)
    if council is not None:
        query = query.where(feedback.c.council == council)
        answers = answers.where(feedback_responses.c.council == council)
    result = domain.summary(uow.session.execute(query).scalars().all())
    result["provider_id"] = provider_id
    result["responses"] = uow.session.execute(
        answers.order_by(feedback_responses.c.at.desc())).scalars().all()
    return result


def gifted_feedback(uow, booking_ids):
    """The feedback on these bookings (a provider's gifted ones, as insight counts them),
    shown by `domain.gifted_feedback`."""
    found = uow.session.execute(sa.select(Feedback).where(
        feedback.c.booking_id.in_(booking_ids))).scalars().all() if booking_ids else []
    return domain.gifted_feedback(found)


def provider_ratings(uow, provider_ids):
    """The average ratings of those of `provider_ids` with enough reviews to show."""
    rows = uow.session.execute(
        sa.select(feedback.c.provider_id, sa.func.count(), sa.func.sum(feedback.c.rating))
        .where(feedback.c.provider_id.in_(provider_ids))
        .group_by(feedback.c.provider_id).order_by(feedback.c.provider_id)).all()
    return [rating for rating in (domain.public_rating(*row) for row in rows) if rating]


def post_response(uow, actor, provider_id, text, now):
    with wire_errors():
        response = Response.post(actor, provider_id, text, now)
    uow.session.add(response)
    return response


def list_responses(uow, actor, provider_id, limit, cursor):
    """The council's "you said, we did", newest first: for its families and officers."""
    if actor.get("role") not in ("family", "officer") or not actor.get("council"):
        raise Forbidden("only a council's families and officers read its responses")
    query = sa.select(Response).where(feedback_responses.c.council == actor["council"])
    if provider_id is not None:
        query = query.where(feedback_responses.c.provider_id == provider_id)
    return keyset_page(uow.session, query, (feedback_responses.c.at, feedback_responses.c.id),
                       limit, cursor, descending=True)
