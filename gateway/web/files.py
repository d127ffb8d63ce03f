"""Static files for the pages: GOV.UK Frontend as npm installed it, and the pages' own."""
import logging
import mimetypes
import os

from nameko.extensions import DependencyProvider
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from .pages import PageEntrypoint

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
# GOV.UK Frontend as npm installed it (`make install`); SEIBIANT_FRONTEND_DIR overrides.
FRONTEND_DIR = os.environ.get("SEIBIANT_FRONTEND_DIR") or os.path.join(
    ROOT, "node_modules", "govuk-frontend", "dist", "govuk")
FRONTEND_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")


class Frontend(DependencyProvider):
    """GOV.UK Frontend's directory, checked once when the service starts."""

    def start(self):
        if not os.path.isdir(FRONTEND_DIR):
            log.warning("GOV.UK Frontend is not installed at %s (run `make install`): pages "
                        "will have no styles", FRONTEND_DIR)

    def get_dependency(self, worker_ctx):
        return FRONTEND_DIR


class Files:
    """The files' entrypoints (mixed into GatewayService)."""

    frontend = Frontend()

    def _file(self, directory, path, max_age):
        target = safe_join(directory, path)
        if target is None or not os.path.isfile(target):
            return Response("Not found", status=404, mimetype="text/plain")
        with open(target, "rb") as handle:
            content = handle.read()
        mimetype = mimetypes.guess_type(target)[0] or "application/octet-stream"
        if target.endswith(".mjs"):
            mimetype = "text/javascript"
        response = Response(content, mimetype=mimetype)
        response.headers["Cache-Control"] = "public, max-age={}".format(max_age)
        return response

    @PageEntrypoint.decorator("GET", "/assets/<path:path>")
    def web_assets(self, request, path):
        """GOV.UK Frontend's fonts and images, where its CSS expects them."""
        return self._file(os.path.join(self.frontend, "assets"), path, 86400)

    @PageEntrypoint.decorator("GET", "/static/<path:path>")
    def web_static(self, request, path):
        if path in FRONTEND_FILES:
            return self._file(self.frontend, path, 3600)
        return self._file(STATIC_DIR, path, 3600)
