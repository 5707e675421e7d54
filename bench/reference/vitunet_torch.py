"""PyTorch reference of the wiregan ViT-UNet generator.

The same architecture as models/generator-spec.ts (the contract of the
TF.js model and the ONNX export), written independently in PyTorch, so that
an exported ONNX graph can be compared with a second implementation and
with the graph torch.onnx.export makes of the same network.

Weights file (safetensors layout, written by test/helpers/torch-reference.ts):
    u64 little-endian header length, then a JSON header
    {"<tfjs weight name>": {"dtype": "F32", "shape": [...],
                            "data_offsets": [begin, end]}, ...,
     "__metadata__": {"config": "<GeneratorConfig JSON>"}}
    then the float32 little-endian data. Names and shapes are those of
    generator-spec.ts in tfjs layouts (conv [kh, kw, in, out], dense
    [in, out]); they are converted here to torch layouts.

Commands (tensors as raw float32 little-endian, [n, 1, h, w] ADC):
    forward --weights W --input in.f32 --output out.f32 [--threads T]
    export  --weights W --out model.onnx   (opset 17, dynamic batch N)
"""

import argparse
import json
import math
import re
import struct
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

LEAKY_SLOPE = 0.01
LAYER_NORM_EPSILON = 1e-5
ONNX_OPSET = 17


class Conv(nn.Conv2d):
    """3x3 'same' (pad 1), 2x2 stride 2 (no pad) or 1x1, LeakyReLU or linear."""

    def __init__(self, cin, cout, k, act=True):
        super().__init__(cin, cout, k, stride=2 if k == 2 else 1, padding=1 if k == 3 else 0)
        self.act = act

    def forward(self, x):
        y = super().forward(x)
        return F.leaky_relu(y, LEAKY_SLOPE) if self.act else y


class Encoder(nn.Module):
    def __init__(self, fin, f):
        super().__init__()
        self.conv1 = Conv(fin, f, 3)
        self.conv2 = Conv(f, f, 3)
        self.down = Conv(f, f, 2)

    def forward(self, x):
        skip = self.conv2(self.conv1(x))
        return self.down(skip), skip


class Decoder(nn.Module):
    def __init__(self, cin, f):
        super().__init__()
        self.up = Conv(cin, f, 3)
        self.conv1 = Conv(2 * f, f, 3)
        self.conv2 = Conv(f, f, 3)

    def forward(self, x, skip):
        x = self.up(F.interpolate(x, scale_factor=2, mode="nearest"))
        # up channels first, then the skip: [n, 2f, h, w]
        return self.conv2(self.conv1(torch.cat([x, skip], dim=1)))


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.dh = width // heads
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def forward(self, x):
        n, t, width = x.shape
        dh = self.dh

        def split(y):
            # [n, t, width] -> [n, t, heads, dh] -> [n, heads, t, dh]
            return y.reshape(n, t, self.heads, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        logits = q @ k.transpose(-2, -1) / math.sqrt(self.dh)  # [n, heads, t, t]
        mixed = torch.softmax(logits, dim=-1) @ v  # [n, heads, t, dh]
        # [n, heads, t, dh] -> [n, t, heads, dh] -> [n, t, width]
        return self.out(mixed.transpose(1, 2).reshape(n, t, width))


class FeedForward(nn.Module):
    def __init__(self, width, ffn):
        super().__init__()
        self.dense1 = nn.Linear(width, ffn)
        self.dense2 = nn.Linear(ffn, width)

    def forward(self, x):
        return self.dense2(F.gelu(self.dense1(x)))  # exact (erf) GELU


class Block(nn.Module):
    def __init__(self, width, heads, ffn):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.ffn = FeedForward(width, ffn)
        self.rezero = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        y = x + self.rezero * self.attn(self.norm1(x))
        return y + self.rezero * self.ffn(self.norm2(y))


def linspace(n):
    return torch.zeros(1) if n == 1 else torch.linspace(-1.0, 1.0, n)


class Bottleneck(nn.Module):
    def __init__(self, cfg, hb, wb):
        super().__init__()
        f_last = cfg["features"][-1]
        ff = cfg["fourierFeatures"]
        self.hb, self.wb = hb, wb
        self.fourier = nn.Linear(2, ff)
        self.proj_in = nn.Linear(f_last + ff, cfg["width"])
        self.blocks = nn.ModuleList(
            Block(cfg["width"], cfg["heads"], cfg["ffn"]) for _ in range(cfg["depth"])
        )
        self.proj_out = nn.Linear(cfg["width"], f_last)
        rows, cols = torch.meshgrid(linspace(hb), linspace(wb), indexing="ij")
        # (row, col) of each token, row-major: [hb * wb, 2]
        self.register_buffer("coords", torch.stack([rows, cols], dim=-1).reshape(-1, 2))

    def forward(self, x):
        n, c, hb, wb = x.shape
        tokens = x.reshape(n, c, hb * wb).transpose(1, 2)  # [n, c, hb, wb] -> [n, T, c]
        embedding = torch.sin(self.fourier(self.coords))  # [T, F]
        embedding = embedding.unsqueeze(0).expand(n, -1, -1)  # [n, T, F]
        y = self.proj_in(torch.cat([tokens, embedding], dim=-1))
        for block in self.blocks:
            y = block(y)
        y = self.proj_out(y)  # [n, T, c]
        return y.transpose(1, 2).reshape(n, c, hb, wb)


class VitUnet(nn.Module):
    """x [n, 1, h, w] ADC -> [n, 1, h, w] ADC, input scaling inside."""

    def __init__(self, cfg):
        super().__init__()
        f = cfg["features"]
        levels = len(f)
        h, w = cfg["tile"]
        self.input_scale = float(cfg["inputScale"])
        self.residual = bool(cfg.get("residual", False))
        self.input = Conv(1, f[0], 3)
        self.enc = nn.ModuleList(Encoder(f[0] if i == 0 else f[i - 1], f[i]) for i in range(levels))
        self.vit = Bottleneck(cfg, h >> levels, w >> levels)
        self.dec = nn.ModuleList(
            Decoder(f[-1] if i == levels - 1 else f[i + 1], f[i]) for i in range(levels)
        )
        self.output = Conv(f[0], 1, 1, act=False)

    def forward(self, x):
        y = self.input(x * self.input_scale)
        skips = []
        for enc in self.enc:
            y, skip = enc(y)
            skips.append(skip)
        y = self.vit(y)
        for i in reversed(range(len(self.dec))):
            y = self.dec[i](y, skips[i])
        correction = self.output(y) / self.input_scale
        return x + correction if self.residual else correction


def read_weights(path):
    """(config dict, {tfjs name: np.float32 array in tfjs layout})."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
        data = file.read()
    config = json.loads(header.pop("__metadata__")["config"])
    weights = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: weight {name}: expected dtype F32, got {entry['dtype']}")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4")
        weights[name] = array.reshape(entry["shape"])
    return config, weights


def torch_name(name):
    """'enc0/conv1/kernel' -> 'enc.0.conv1.weight', 'vit/block2/...' -> 'vit.blocks.2...'."""
    name = re.sub(r"^(enc|dec)(\d+)/", r"\1/\2/", name)
    name = re.sub(r"/block(\d+)/", r"/blocks/\1/", name)
    name = re.sub(r"/(kernel|gamma)$", "/weight", name)
    name = re.sub(r"/beta$", "/bias", name)
    return name.replace("/", ".")


def torch_layout(array):
    """tfjs conv [kh, kw, in, out] -> [out, in, kh, kw]; dense [in, out] -> [out, in]."""
    if array.ndim == 4:
        return array.transpose(3, 2, 0, 1)
    if array.ndim == 2:
        return array.T
    return array


def load(path):
    config, weights = read_weights(path)
    model = VitUnet(config)
    state = model.state_dict()
    converted = {}
    for name, array in weights.items():
        key = torch_name(name)
        if key not in state:
            raise KeyError(f"{path}: weight {name} ({key}) is not in the model")
        tensor = torch.from_numpy(np.array(torch_layout(array), order="C"))
        if tuple(tensor.shape) != tuple(state[key].shape):
            raise ValueError(
                f"{path}: weight {name}: expected {list(state[key].shape)}, got {list(tensor.shape)}"
            )
        converted[key] = tensor
    converted["vit.coords"] = state["vit.coords"]
    model.load_state_dict(converted, strict=True)
    return config, model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    forward = sub.add_parser("forward", help="run the generator on raw float32 tiles")
    forward.add_argument("--weights", required=True)
    forward.add_argument("--input", required=True)
    forward.add_argument("--output", required=True)
    forward.add_argument("--threads", type=int, default=1)
    export = sub.add_parser("export", help="torch.onnx.export of the generator")
    export.add_argument("--weights", required=True)
    export.add_argument("--out", required=True)
    args = parser.parse_args()

    config, model = load(args.weights)
    h, w = config["tile"]
    if args.command == "forward":
        torch.set_num_threads(args.threads)
        x = np.fromfile(args.input, dtype="<f4").reshape(-1, 1, h, w)
        with torch.no_grad():
            y = model(torch.from_numpy(x))
        y.numpy().astype("<f4").tofile(args.output)
    else:
        # torch 1.13 warns about its own constants' shape inference; the graph is checked by its user.
        warnings.filterwarnings("ignore", category=UserWarning)
        torch.onnx.export(
            model,
            torch.zeros(1, 1, h, w),
            args.out,
            opset_version=ONNX_OPSET,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
        )


if __name__ == "__main__":
    main()
