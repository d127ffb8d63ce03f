"""Which use case answers which event insight hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row, heard in batches: many
events to one transaction). Every event is answered the same way: kept, once, and projected
onto the read model (`application.record`)."""
from . import application


def record(service, uow, event):
    application.record(uow, event)


EVENT_HANDLERS = {key: record for key in application.READS}
