"""Training: config -> data -> fit (linear, transformer, cascade) -> thresholds -> evaluation -> model card."""
