#!/usr/bin/env python3
"""The pose CVAE as a user would write it in plain PyTorch (eager, Python): the bar Foresight's
C++ trainer and rollout step must beat (docs/performance.md, "Against a plain PyTorch loop").

As bench/eager_svg.py: the weights are those of a `.pt` Foresight exported (the benchmark writes
one with `bench_training --export-pose-model`), and the math follows
common/model/script/pose*.torchscript and trainer/train/pose_objective.cpp line for line;
`--check` compares one rollout step with the scripted module's.

  python3 bench/eager_pose.py POSE.pt --check
  python3 bench/eager_pose.py POSE.pt --train N --batch 8 --frames 16 --threads 2
  python3 bench/eager_pose.py POSE.pt --step N --threads 2
Prints one JSON line of results.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from eager_svg import activate, output_head


class Pose:
    """Eager pose CVAE over the tensors of a scripted Foresight module."""

    def __init__(self, scripted):
        self.m = scripted
        self.height, self.width = int(scripted.height), int(scripted.width)
        self.n = int(scripted.z_channels)
        self.previous_pose = bool(scripted.previous_pose)
        self.head_kind = int(scripted.head.kind)
        # pose_reference.torchscript's anchor has a gate; the no-op one has no parameters
        self.reference_frame = hasattr(scripted.anchor, "gate")

    def parameters(self):
        return list(self.m.parameters())

    # pose_conv.torchscript + activation.torchscript
    @staticmethod
    def conv(layer, x):
        y = F.conv2d(x, layer.weight, layer.bias, 1, layer.padding, 1, layer.groups)
        return activate(layer.activation, y)

    # pose_stage.torchscript
    def stage(self, s, x):
        h = F.leaky_relu(self.conv(s.skip, x) + self.conv(s.c2, self.conv(s.c1, x)), 0.2)
        return h + self.conv(s.pw, self.conv(s.dw, h))

    # output_head.torchscript
    def head(self, g, x_base):
        return output_head(self.head_kind, g, x_base)

    # pose.torchscript
    def encode(self, x):
        return self.stage(self.m.frame_enc, x)

    def label_encode(self, label_prev, label):
        if self.previous_pose:
            return self.stage(self.m.label_enc, torch.cat([label_prev, label], 1))
        return self.stage(self.m.label_enc, label)

    def posterior(self, h_frame, h_label):
        out = self.conv(self.m.gauss_head, self.stage(self.m.gauss, torch.cat([h_frame, h_label], 1)))
        mu, logvar = torch.chunk(out, 2, 1)
        return mu, torch.clamp(logvar, self.m.logvar_min, self.m.logvar_max)

    def decode(self, x_prev, h_prev, h_label, z, ref):
        parts = [h_prev, h_label, z] + ([ref] if self.reference_frame else [])
        features = self.stage(self.m.gen, self.stage(self.m.fusion, torch.cat(parts, 1)))
        frame = self.head(self.conv(self.m.gen_out, features), x_prev)
        if not self.reference_frame:
            return frame
        gate = torch.sigmoid(self.conv(self.m.anchor.gate, features))  # pose_reference.torchscript
        return gate * ref + (1.0 - gate) * frame

    def forward(self, x_prev, x_next, label_prev, label_next, noise, ref):
        h_label = self.label_encode(label_prev, label_next)
        mu, logvar = self.posterior(self.encode(x_next), h_label)
        z = mu + torch.exp(0.5 * logvar) * noise
        return self.decode(x_prev, self.encode(x_prev), h_label, z, ref), mu, logvar

    def step(self, x_obs, cond_prev, conds, ref, first, noise):
        b = x_obs.shape[0]
        x = x_obs
        ref = x_obs if first else ref
        label_prev = (conds[0] if first else cond_prev).view(b, 3, self.height, self.width)
        preds = []
        for k in range(conds.shape[0]):
            label = conds[k].view(b, 3, self.height, self.width)
            z = noise[k + 1].view(b, self.n, self.height, self.width)
            x = self.decode(x, self.encode(x), self.label_encode(label_prev, label), z, ref)
            label_prev = label
            preds.append(x)
        return torch.stack(preds)

    # trainer/train/pose_objective.cpp, teacher-forced
    def loss(self, frames, labels, beta):
        t_len = frames.shape[0]
        mse = frames.new_zeros(())
        kld = frames.new_zeros(())
        for t in range(1, t_len):
            noise = torch.randn(frames.shape[1], self.n, self.height, self.width)
            pred, mu, logvar = self.forward(frames[t - 1], frames[t], labels[t - 1], labels[t],
                                            noise, frames[0])
            mse = mse + ((pred - frames[t]) ** 2).mean()
            kld = kld + (-0.5 * (1.0 + logvar - mu ** 2 - logvar.exp())).mean()
        return (mse + beta * kld) / (t_len - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a pose .pt that foresight export (or bench_training) wrote")
    ap.add_argument("--check", action="store_true", help="eager step == scripted step")
    ap.add_argument("--train", type=int, default=0, help="timed training iterations")
    ap.add_argument("--step", type=int, default=0, help="timed rollout steps (batch 1)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--frames", type=int, default=16, help="frames per training clip")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true",
                    help="training forward under torch.autocast in bfloat16 (foresight --precision bf16)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    scripted = torch.jit.load(args.model)
    pose = Pose(scripted)
    h, w, n = pose.height, pose.width, pose.n
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    if args.check:
        x, label = torch.rand(1, 3, h, w), torch.rand(1, 3 * h * w)
        labels, noise = torch.rand(2, 1, 3 * h * w), torch.randn(3, 1, n * h * w)
        with torch.no_grad():
            scripted.eval()
            x0 = torch.rand(1, 3, h, w)  # the rollout's first frame: the reference
            ref = scripted.step(x, label, labels, [x0], False, noise)[0]
            eag = pose.step(x, label, labels, x0, False, noise)
        out["max_abs_diff"] = float((ref - eag).abs().max())
        if not out["max_abs_diff"] < 1e-4:
            raise SystemExit(f"eager and scripted steps differ by {out['max_abs_diff']}")

    if args.step:
        x, label, labels = torch.rand(1, 3, h, w), torch.rand(1, 3 * h * w), torch.rand(1, 1, 3 * h * w)
        times = []
        with torch.no_grad():
            for i in range(args.step + 3):
                t0 = time.perf_counter()
                pose.step(x, label, labels, x, False, torch.randn(2, 1, n * h * w))
                if i >= 3:  # as the C++ benchmark: three warm-up steps
                    times.append(time.perf_counter() - t0)
        times.sort()
        out["step_p50_ms"] = 1e3 * times[len(times) // 2]

    if args.train:
        params = pose.parameters()
        for p in params:
            p.requires_grad_(True)
        adam = torch.optim.Adam(params, lr=1e-3)
        frames = torch.rand(args.frames, args.batch, 3, h, w)
        labels = torch.rand(args.frames, args.batch, 3, h, w)

        def iteration():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                loss = pose.loss(frames, labels, 1.0)
            adam.zero_grad()
            loss.backward()
            adam.step()
            return float(loss)

        iteration()  # warm-up, as Google Benchmark's first run
        t0 = time.perf_counter()
        for _ in range(args.train):
            iteration()
        out["train_seq_per_s"] = args.train * args.batch / (time.perf_counter() - t0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
