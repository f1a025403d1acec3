"""Evaluation: metrics per label, per phenomenon and per functional capability."""
