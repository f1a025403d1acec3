"""Scoring: the `Detector` API, explanations, and the streaming batch scorer behind the CLI."""
