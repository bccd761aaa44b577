"""The sentence encoder runtime (ONNX) shared by every model head: each turn is encoded once."""

from warmline.encoders.onnx_encoder import DEFAULT_MODEL_DIR, SentenceEncoder, get_encoder

__all__ = ["DEFAULT_MODEL_DIR", "SentenceEncoder", "get_encoder"]
