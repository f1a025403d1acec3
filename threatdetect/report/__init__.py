"""The evidence report: flagged messages as one self-contained HTML page for people and the police."""

from threatdetect.report.html import render_report, render_report_file

__all__ = ["render_report", "render_report_file"]
