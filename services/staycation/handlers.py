"""Which use case answers which event staycation hears: `EVENT_HANDLERS` is the one table.
Staycation keeps its own copy of each family's account details (council, name, contact,
language) from the gateway's account_details_changed: the contact an agreed partner sees."""
from seibiant_common.contracts import gateway, payloads

from . import application


def account_details_changed(service, uow, event):
    application.account_changed(uow, payloads.load(event))


EVENT_HANDLERS = {
    (gateway.SERVICE, gateway.ACCOUNT_DETAILS_CHANGED): account_details_changed,
}
