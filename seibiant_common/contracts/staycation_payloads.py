"""The payloads of staycation's events (names: `staycation.py`). No address, no contact and
no message text travels in an event: those stay in staycation."""
from marshmallow import fields

from . import staycation as names
from .payload_schema import Payload, ident, moment


class HomeEvent(Payload):
    """A home listed, changed or withdrawn (its listing paused or ended)."""
    home_id = ident()
    family_id = ident()
    council = fields.String(required=True, allow_none=True)
    region = fields.String(required=True)
    at = moment()


class Verification(Payload):
    """A family verified for swaps, or its verification withdrawn, by whom."""
    family_id = ident()
    by = ident()
    by_role = fields.String(required=True)
    at = moment()


class SwapEvent(Payload):
    """A swap's step: both families and homes (so notifications tells each), its stays and
    who took the step (null: the timer)."""
    swap_id = ident()
    proposer_family_id = ident()
    partner_family_id = ident()
    proposer_home_id = ident()
    partner_home_id = ident()
    proposer_stay_start = fields.Date(required=True)
    proposer_stay_end = fields.Date(required=True)
    partner_stay_start = fields.Date(required=True)
    partner_stay_end = fields.Date(required=True)
    by = fields.String(required=True, allow_none=True)
    at = moment()


class MessagePosted(Payload):
    """One family of a swap wrote to the other (`by`): who and when, never what (the text
    stays in staycation)."""
    swap_id = ident()
    message_id = ident()
    proposer_family_id = ident()
    partner_family_id = ident()
    by = ident()
    at = moment()


PAYLOADS = {
    names.HOME_LISTED: HomeEvent,
    names.HOME_CHANGED: HomeEvent,
    names.HOME_WITHDRAWN: HomeEvent,
    names.FAMILY_SWAP_VERIFIED: Verification,
    names.FAMILY_SWAP_VERIFICATION_WITHDRAWN: Verification,
    names.SWAP_PROPOSED: SwapEvent,
    names.SWAP_AGREED: SwapEvent,
    names.SWAP_DECLINED: SwapEvent,
    names.SWAP_CANCELLED: SwapEvent,
    names.SWAP_COMPLETED: SwapEvent,
    names.SWAP_MESSAGE_POSTED: MessagePosted,
}
