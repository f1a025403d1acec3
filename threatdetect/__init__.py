"""threatdetect: find threats, intimidation and hate in Dutch social-media messages."""

from importlib.metadata import PackageNotFoundError, version

from threatdetect.labels import LABELS

try:
    __version__ = version("threatdetect")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["LABELS", "__version__"]
