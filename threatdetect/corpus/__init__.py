"""Our labelled corpus: authored sources -> groups -> splits (+ augmentation) -> checks -> datasheet."""
