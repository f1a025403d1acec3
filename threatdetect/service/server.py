"""Run the service under uvicorn with a log configuration that keeps message texts out of the logs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's loggers and ours on stderr; uvicorn's own access log is off (ours replaces it).

    uvicorn's access line carries the client address and the raw request line with its query string;
    `middleware.AccessLog` writes method, route, status and milliseconds instead.
    """
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": _FORMAT}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "threatdetect": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def serve(app: FastAPI, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve `app` until interrupted (one process: the model is loaded once and shared)."""
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=log_config(log_level),
        log_level=log_level,
        access_log=False,
        server_header=False,
    )
