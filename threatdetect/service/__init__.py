"""`threatdetect serve`: the scoring model behind HTTP, for moderation services.

    from threatdetect.service import create_app
    app = create_app(model="path/to/model")        # any ASGI server; `threatdetect serve` runs uvicorn

Requests that arrive together are scored in one model call (`batcher.MicroBatcher`). Message texts
are never logged: the access log holds method, route, status and time, and validation errors never
echo the input. Needs the `service` extra (`pip install "threatdetect[service]"`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threatdetect.service.settings import ServiceSettings

if TYPE_CHECKING:
    from threatdetect.service.app import create_app


def __getattr__(name: str):
    """Import FastAPI only when the app is built, so the CLI can read the defaults without it."""
    if name == "create_app":
        from threatdetect.service.app import create_app

        return create_app
    raise AttributeError(f"module 'threatdetect.service' has no attribute {name!r}")


__all__ = ["ServiceSettings", "create_app"]
