"""Installed as `threatdetect.models` (see `package-dir` in pyproject.toml): the shipped model directories.

`threatdetect.modeling.loader` finds `default/` here through importlib.resources, so the default model
is found the same way in a wheel, an sdist build and an editable install.
"""
