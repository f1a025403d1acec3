"""Training: config -> data -> fit (linear, transformer or cascade) -> thresholds -> evaluation -> card."""
