"""Which use case answers which event insight hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row). Every event is answered the
same way: kept, once, and projected onto the read model (`application.record`)."""
from . import application


def record(service, event):
    with service.db.unit_of_work() as uow:
        application.record(uow, event)


EVENT_HANDLERS = {key: record for key in application.READS}
