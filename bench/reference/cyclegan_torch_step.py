"""PyTorch timing of the same UVCGAN training step as models/cyclegan.ts.

Generators from vitunet_torch.py (the ViT-UNet of generator-spec.ts), a
70 x 70 PatchGAN (4x4 convs, pad 1, strides 2, 2, 2, 1, 1, affine instance
norm, LeakyReLU 0.2), LSGAN, cycle and identity L1, gradient penalty with
create_graph, Adam (0.5, 0.99); batch 1. Random weights: only time counts.

Usage: cyclegan_torch_step.py '<json {"generator": cfg, "features": [...],
"threads": T, "reps": R}>'; prints one JSON line
{"forwardMs": ..., "stepMs": ...} (medians).
"""

import json
import statistics
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

from vitunet_torch import VitUnet


class PatchGan(nn.Module):
    def __init__(self, features, input_scale):
        super().__init__()
        sizes = [1, *features, 1]
        self.input_scale = input_scale
        self.convs = nn.ModuleList(
            nn.Conv2d(sizes[i], sizes[i + 1], 4, stride=[2, 2, 2, 1, 1][i], padding=1,
                      bias=i in (0, 4))
            for i in range(5)
        )
        self.norms = nn.ModuleList(nn.InstanceNorm2d(sizes[i + 1], affine=True) for i in (1, 2, 3))

    def scaled(self, z):
        for i, conv in enumerate(self.convs):
            z = conv(z)
            if 1 <= i <= 3:
                z = self.norms[i - 1](z)
            if i < 4:
                z = F.leaky_relu(z, 0.2)
        return z


def gradient_penalty(disc, real, fake, lam=0.01, gamma=10.0):
    alpha = torch.rand(real.shape[0], 1, 1, 1)
    x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    y = disc.scaled(x)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    norm = g.reshape(g.shape[0], -1).norm(dim=1)
    return lam * ((norm - gamma) ** 2).mean()


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args["threads"])
    torch.manual_seed(0)
    cfg = args["generator"]
    s = cfg["inputScale"]
    gen_ab, gen_ba = VitUnet(cfg), VitUnet(cfg)
    disc_a, disc_b = PatchGan(args["features"], s), PatchGan(args["features"], s)
    opt_g = torch.optim.Adam([*gen_ab.parameters(), *gen_ba.parameters()], 1e-5, betas=(0.5, 0.99))
    opt_d = torch.optim.Adam([*disc_a.parameters(), *disc_b.parameters()], 5e-5, betas=(0.5, 0.99))
    h, w = cfg["tile"]
    real_a = torch.randn(1, 1, h, w) * 30
    real_b = torch.randn(1, 1, h, w) * 30
    mse = lambda p, t: ((p - t) ** 2).mean()

    def step():
        for d in (disc_a, disc_b):
            d.requires_grad_(False)
        fake_b = gen_ab(real_a)
        fake_a = gen_ba(real_b)
        loss = (
            mse(disc_b.scaled(fake_b * s), 1)
            + mse(disc_a.scaled(fake_a * s), 1)
            + s * (gen_ba(fake_b) - real_a).abs().mean()
            + s * (gen_ab(fake_a) - real_b).abs().mean()
            + 0.5 * s * (gen_ba(real_a) - real_a).abs().mean()
            + 0.5 * s * (gen_ab(real_b) - real_b).abs().mean()
        )
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        for d in (disc_a, disc_b):
            d.requires_grad_(True)
        loss_d = 0
        for d, real, fake in ((disc_a, real_a, fake_a), (disc_b, real_b, fake_b)):
            r, f = real * s, fake.detach() * s
            loss_d = loss_d + 0.5 * (mse(d.scaled(r), 1) + mse(d.scaled(f), 0))
            loss_d = loss_d + gradient_penalty(d, r, f)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()

    def timed(fn, reps):
        fn()
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return statistics.median(out)

    with torch.no_grad():
        forward_ms = timed(lambda: gen_ab(real_a), args["reps"])
    step_ms = timed(step, args["reps"])
    print(json.dumps({"forwardMs": forward_ms, "stepMs": step_ms}))


if __name__ == "__main__":
    main()
