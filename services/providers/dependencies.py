"""The providers service's own extension: the searches it has answered, recorded in the
process and written as one `searches_made` event per interval instead of a write per search
(docs/performance.md, "Recording searches").

Setting: `SEARCH_RECORD_SECONDS` (default 1): how often the searches recorded are written.
"""
import logging

import eventlet
from nameko.extensions import DependencyProvider

from seibiant_common.config import setting
from seibiant_common.database import Database

from . import search

log = logging.getLogger(__name__)

# Searches kept while the database will not take them; beyond, the oldest are dropped.
MAX_KEPT = 10_000


class SearchRecords(DependencyProvider):
    """The worker gets `record(search record)`; every `SEARCH_RECORD_SECONDS` what was
    recorded is written in one unit of work, and once more when the service stops. A process
    that dies loses what it recorded since the last write (a second of searches at most): an
    accepted loss for a count of demand."""

    def setup(self):
        self.seconds = setting(self.container.config, "SEARCH_RECORD_SECONDS", 1.0, float)
        self.database = next(dependency for dependency in self.container.dependencies
                             if isinstance(dependency, Database))
        self.records = []

    def start(self):
        self._writer = self.container.spawn_managed_thread(self._write_forever,
                                                           identifier="search records")

    def get_dependency(self, worker_ctx):
        return self.records.append

    def _write_forever(self):
        while True:
            eventlet.sleep(self.seconds)
            self.write()

    def write(self):
        if not self.records:
            return
        records = self.records[:]
        try:
            with self.database.store.unit_of_work() as uow:
                search.record_searches(uow, records)
        except Exception:
            log.warning("could not write %s searches; will try again", len(records),
                        exc_info=True)
            if len(self.records) > MAX_KEPT:
                log.error("dropping %s searches the database would not take",
                          len(self.records) - MAX_KEPT)
                del self.records[:len(self.records) - MAX_KEPT]
            return
        del self.records[:len(records)]  # what was recorded meanwhile stays for the next

    def stop(self):
        self._writer.kill()
        self.write()
        # the database dependency stops beside this one and may have closed its pool first
        self.database.store.engine.dispose()

    def kill(self):
        self._writer.kill()
