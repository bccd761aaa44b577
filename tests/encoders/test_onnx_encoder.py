"""The shared sentence encoder: shapes, norms, determinism, meaning, integrity checks and pickling."""

from __future__ import annotations

import json
import pickle
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from warmline.encoders import DEFAULT_MODEL_DIR, SentenceEncoder, get_encoder
from warmline.errors import ModelError

TURNS = [
    "My bill is wrong again and nobody seems to care.",
    "I'm so sorry about that, let me fix it for you right now.",
    "ok",
    "Could you confirm the last four digits of the card?",
    "The engineer never turned up and I took the day off work for it, this is the third time it has happened "
    "this month and I am honestly at the end of my rope with your company.",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return get_encoder()


def _model_copy(tmp_path: Path) -> Path:
    """The shipped model folder in tmp: the big ONNX file linked, the small files copied (safe to corrupt)."""
    target = tmp_path / "models"
    target.mkdir()
    manifest = json.loads((DEFAULT_MODEL_DIR / "encoder.json").read_text(encoding="utf-8"))
    (target / manifest["files"]["model"]["name"]).symlink_to(DEFAULT_MODEL_DIR / manifest["files"]["model"]["name"])
    for name in ("encoder.json", manifest["files"]["tokenizer"]["name"]):
        shutil.copyfile(DEFAULT_MODEL_DIR / name, target / name)
    return target


def test_onnx_encoder_shape_dtype_and_unit_norm(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(TURNS)
    assert vectors.shape == (len(TURNS), 384) == (len(TURNS), encoder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


def test_onnx_encoder_empty_input_and_empty_string(encoder: SentenceEncoder) -> None:
    empty = encoder.encode([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32
    [blank] = encoder.encode([""])
    assert abs(float(np.linalg.norm(blank)) - 1.0) < 1e-5


def test_onnx_encoder_rejects_a_bare_string(encoder: SentenceEncoder) -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        encoder.encode("My bill is wrong")  # type: ignore[arg-type]


def test_onnx_encoder_is_deterministic_and_independent_of_batch(encoder: SentenceEncoder) -> None:
    together = encoder.encode(TURNS)
    again = encoder.encode(TURNS, batch_size=2)
    alone = np.concatenate([encoder.encode([t]) for t in TURNS])
    reversed_order = encoder.encode(TURNS[::-1])[::-1]
    # a turn's vector must not depend on what else is in the batch: live and batch scoring agree
    np.testing.assert_allclose(together, again, atol=1e-6)
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_allclose(together, reversed_order, atol=1e-6)


def test_onnx_encoder_workers_change_no_vector() -> None:
    many = TURNS * 5  # more texts than workers, in several tokenisation chunks below
    one = SentenceEncoder(workers=1).encode(many, batch_size=7)
    for workers in (2, 3):
        # texts run side by side on several threads must give exactly what one thread gives, in input order
        np.testing.assert_array_equal(SentenceEncoder(workers=workers).encode(many, batch_size=7), one)
    np.testing.assert_array_equal(one[: len(TURNS)], one[len(TURNS) : 2 * len(TURNS)])


def test_onnx_encoder_paraphrases_are_closer_than_unrelated(encoder: SentenceEncoder) -> None:
    pairs = [
        ("I was charged twice for the same order.", "You billed me two times for one purchase."),
        ("My internet keeps dropping every evening.", "The broadband connection cuts out each night."),
        ("I'm so sorry for your loss.", "My condolences, I'm very sorry your mother passed away."),
        ("How long until the refund reaches my card?", "When will I get my money back?"),
    ]
    unrelated = "The museum is closed on Mondays."
    for a, b in pairs:
        va, vb, vu = encoder.encode([a, b, unrelated])
        assert float(va @ vb) > float(va @ vu) + 0.2, (a, b)


def test_onnx_encoder_truncates_at_max_length() -> None:
    short = SentenceEncoder(max_length=16)
    head = "my parcel never arrived and the tracking page has said out for delivery for nine days now " * 3
    a, b = short.encode([head + "please refund me", head + "the weather is lovely in Lisbon"])
    # both texts share their first 16 tokens, so truncation makes them identical
    np.testing.assert_allclose(a, b, atol=1e-6)
    full_a, full_b = get_encoder().encode([head + "please refund me", head + "the weather is lovely in Lisbon"])
    assert float(full_a @ full_b) < 0.9999


def test_onnx_encoder_name_and_dim_come_from_the_manifest(encoder: SentenceEncoder) -> None:
    assert encoder.name == "all-MiniLM-L6-v2-int8"
    assert encoder.dim == 384
    assert len(encoder.model_sha256) == 64


def test_onnx_encoder_constructor_only_stores(tmp_path: Path) -> None:
    enc = SentenceEncoder(model_dir=tmp_path / "nowhere", max_length=64, threads=1, workers=3)
    assert (enc.model_dir, enc.max_length, enc.threads, enc.workers) == (tmp_path / "nowhere", 64, 1, 3)
    with pytest.raises(ModelError, match="manifest is missing") as info:
        enc.encode(["hello"])
    assert info.value.path is not None and info.value.path.endswith("encoder.json")


def test_onnx_encoder_corrupt_tokenizer_raises_model_error_naming_the_file(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path)
    tokenizer = folder / "tokenizer.json"
    data = bytearray(tokenizer.read_bytes())
    data[100] ^= 0x01
    tokenizer.write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        SentenceEncoder(model_dir=folder).encode(["hello"])
    assert info.value.path == str(tokenizer)
    assert "tokenizer.json" in str(info.value)
    assert "training/build_encoder.py" in str(info.value)


def test_onnx_encoder_wrong_model_hash_raises_model_error_naming_the_file(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path)
    manifest = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    manifest["files"]["model"]["sha256"] = "0" * 64
    (folder / "encoder.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="does not match the manifest") as info:
        SentenceEncoder(model_dir=folder).load()
    assert "minilm-l6-int8.onnx" in str(info.value)


def test_onnx_encoder_missing_model_file_raises_model_error(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path)
    (folder / "minilm-l6-int8.onnx").unlink()
    with pytest.raises(ModelError, match="missing") as info:
        SentenceEncoder(model_dir=folder).encode(["hello"])
    assert "minilm-l6-int8.onnx" in str(info.value)


def test_onnx_encoder_pickles_without_its_session(encoder: SentenceEncoder) -> None:
    expected = encoder.encode(TURNS[:2])
    restored = pickle.loads(pickle.dumps(encoder))
    assert isinstance(restored, SentenceEncoder)
    assert restored._session is None  # reloaded lazily on the worker
    np.testing.assert_allclose(restored.encode(TURNS[:2]), expected, atol=1e-6)
    tuned = pickle.loads(pickle.dumps(SentenceEncoder(max_length=64, threads=1, workers=3)))
    assert (tuned.max_length, tuned.threads, tuned.workers) == (64, 1, 3)


def test_onnx_encoder_get_encoder_is_one_shared_instance_across_threads() -> None:
    seen: list[SentenceEncoder] = []
    threads = [threading.Thread(target=lambda: seen.append(get_encoder())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in seen}) == 1
    assert seen[0] is get_encoder()


def test_onnx_encoder_concurrent_encodes_agree(encoder: SentenceEncoder) -> None:
    expected = encoder.encode(TURNS)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(encoder.encode(TURNS))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-6)
