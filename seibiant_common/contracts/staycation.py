"""Events emitted by staycation, on the `staycation.events` exchange (plain names:
importable by domain modules)."""
SERVICE = "staycation"

HOME_LISTED = "home_listed"
HOME_CHANGED = "home_changed"
HOME_WITHDRAWN = "home_withdrawn"
FAMILY_SWAP_VERIFIED = "family_swap_verified"
FAMILY_SWAP_VERIFICATION_WITHDRAWN = "family_swap_verification_withdrawn"
SWAP_PROPOSED = "swap_proposed"
SWAP_AGREED = "swap_agreed"
SWAP_DECLINED = "swap_declined"
SWAP_CANCELLED = "swap_cancelled"
SWAP_COMPLETED = "swap_completed"
