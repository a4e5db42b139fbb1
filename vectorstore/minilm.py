"""A numpy forward pass of a BERT sentence-transformers model (all-MiniLM-L6-v2), for queries.

Why: importing torch + sentence-transformers costs ~10 s and ~400 MB per server process, and a
short query through torch takes ~15-20 ms on 2 cores. The same six small layers in numpy (weights
read from the model folder's ``model.safetensors``, the ``tokenizer.json`` through the
``tokenizers`` library) start in well under a second and encode a short query in a few ms.
Outputs match the sentence-transformers pipeline (mean pooling, then L2 normalisation) to
float32 rounding; tests compare both. Bulk ingest still uses torch (batched GEMMs are faster).
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1.5e-7 (Abramowitz & Stegun 7.1.26): numpy has none, scipy costs an import."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return s * y


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _limit_blas_threads() -> None:
    """Apply OPENBLAS_NUM_THREADS (``embeddings`` defaults it to 1) even when numpy was imported
    before it was set: multi-threaded OpenBLAS spin-waits and a 10 ms query can take 300 ms."""
    from threadpoolctl import threadpool_limits

    try:
        threadpool_limits(limits=int(os.environ.get("OPENBLAS_NUM_THREADS", "1")), user_api="blas")
    except ValueError:
        pass


class NumpyBertEncoder:
    """Mean-pooled, normalised BERT embeddings computed with numpy only."""

    def __init__(self, model_path: str):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        with open(os.path.join(model_path, "config.json")) as fh:
            cfg = json.load(fh)
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
            raise ValueError(f"not a BERT/gelu model: {model_path}")
        pooling = os.path.join(model_path, "1_Pooling", "config.json")
        if os.path.exists(pooling):
            with open(pooling) as fh:
                if not json.load(fh).get("pooling_mode_mean_tokens", False):
                    raise ValueError("only mean pooling is implemented")
        max_len = 256
        st_cfg = os.path.join(model_path, "sentence_bert_config.json")
        if os.path.exists(st_cfg):
            with open(st_cfg) as fh:
                max_len = int(json.load(fh).get("max_seq_length", max_len))
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.layers = int(cfg["num_hidden_layers"])
        w = load_file(os.path.join(model_path, "model.safetensors"))
        w = {k.removeprefix("bert."): v for k, v in w.items()}
        self.w = w
        # Pre-transposed, fused q/k/v weights: one GEMM per layer instead of three.
        self.qkv = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self."
            self.qkv.append((
                np.ascontiguousarray(np.concatenate([w[p + n + ".weight"] for n in ("query", "key", "value")]).T),
                np.concatenate([w[p + n + ".bias"] for n in ("query", "key", "value")]),
            ))
        self.t = {k: np.ascontiguousarray(v.T) for k, v in w.items() if k.endswith(".weight") and v.ndim == 2
                  and k.startswith("encoder.")}
        self.tokenizer = Tokenizer.from_file(os.path.join(model_path, "tokenizer.json"))
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.no_padding()
        self.dimension = int(cfg["hidden_size"])
        _limit_blas_threads()


    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, t = self.w, self.t
        n, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        h = self.heads
        d = x.shape[-1] // h
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(d))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv_w, qkv_b = self.qkv[i]
            qkv = (x @ qkv_w + qkv_b).reshape(n, length, 3, h, d)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, h * d)
            a = ctx @ t[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
            x = _layer_norm(a + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            inter = _gelu(x @ t[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            o = inter @ t[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(o + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        m = mask[:, :, None]
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """Context-free word vectors: the mean of each word's wordpiece input embeddings, unit length.

        No forward pass (a table lookup per word), so the whole vocabulary of a large corpus costs
        well under a second. Weaker than encoding the word, but it separates near words from
        unrelated ones ("tougher"~"harder" 0.51, "picked"~"selected" 0.42; unrelated pairs about 0).
        """
        table = self.w["embeddings.word_embeddings.weight"]
        out = np.zeros((len(words), self.dimension), dtype=np.float32)
        for row, enc in enumerate(self.tokenizer.encode_batch(list(words), add_special_tokens=False)):
            if enc.ids:
                v = table[enc.ids].mean(0)
                out[row] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors; texts of one call are padded to the longest."""
        encs = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), length), dtype=np.int64)
        mask = np.zeros((len(encs), length), dtype=np.float32)
        for row, e in enumerate(encs):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        return self._forward(ids, mask).astype(np.float32)
