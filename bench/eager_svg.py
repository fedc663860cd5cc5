#!/usr/bin/env python3
"""The SVG network as a user would write it in plain PyTorch (eager, Python): the bar Foresight's
C++ trainer and edge step must beat (docs/performance.md, "Against a plain PyTorch loop").

The weights are the scripted model's own: `load(path)` takes a `.pt` that Foresight exported (or
the benchmark wrote) and uses its parameter tensors, so both sides run the same network, checked
by `--check` (eager step == scripted step). The math follows common/model/script/*.torchscript
line for line; only the execution differs (Python calling ATen op by op, autograd's tape).

  python3 bench/eager_svg.py MODEL.pt --check            # parity with the scripted module
  python3 bench/eager_svg.py MODEL.pt --train N --batch 12 --threads 2   # seq/s, teacher-forced
  python3 bench/eager_svg.py MODEL.pt --step N --threads 2               # ms per edge step
  python3 bench/eager_svg.py MODEL.pt --train N --device cuda             # on a GPU (torch >= 2.0)
Prints one JSON line of results.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def activate(code, y):
    """activation.torchscript: the code of a convolution module's `activation` attribute."""
    if code == 1:
        return F.leaky_relu(y, 0.2)
    if code == 2:
        return torch.tanh(y)
    if code == 3:
        return torch.sigmoid(y)
    return y


def output_head(kind, g, x_base):
    """output_head.torchscript: 0 plain, 1 composite, 2 flow (and the action head's base)."""
    if kind == 0:
        return g
    paint = torch.sigmoid(g[:, 0:3])
    if kind == 1:
        mask = torch.sigmoid(g[:, 3:4])
        return mask * paint + (1.0 - mask) * x_base
    logits = torch.cat([torch.zeros_like(g[:, 3:4]), g[:, 3:4], g[:, 6:7]], 1)
    w = torch.softmax(logits, 1)
    height, width = x_base.shape[2], x_base.shape[3]
    gx = (torch.arange(width, dtype=g.dtype) * 2.0 + 1.0) / width - 1.0
    gy = (torch.arange(height, dtype=g.dtype) * 2.0 + 1.0) / height - 1.0
    sx = gx.view(1, 1, width) + g[:, 4] * (2.0 / width)
    sy = gy.view(1, height, 1) + g[:, 5] * (2.0 / height)
    warped = F.grid_sample(x_base, torch.stack([sx, sy], 3), "bilinear", "border", False)
    return w[:, 0:1] * x_base + w[:, 1:2] * paint + w[:, 2:3] * warped


class Svg:
    """Eager SVG over the tensors of a scripted Foresight module (parameters and buffers)."""

    def __init__(self, scripted):
        self.m = scripted
        self.g_dim = int(scripted.g_dim)
        self.z_dim = int(scripted.z_dim)
        self.learned_prior = bool(scripted.learned_prior)
        self.last_frame_skip = bool(scripted.last_frame_skip)
        self.head_kind = int(scripted.head.kind)
        self.mover = scripted.mover if hasattr(scripted.mover, "weight") else None
        self.training = False

    def parameters(self):
        return list(self.m.parameters())

    # conv_layer.torchscript
    def conv(self, layer, x):
        if layer.transposed:
            y = F.conv_transpose2d(x, layer.weight, layer.bias, 1, layer.padding)
        else:
            y = F.conv2d(x, layer.weight, layer.bias, 1, layer.padding)
        if layer.has_bn:
            y = F.batch_norm(y, layer.running_mean, layer.running_var, layer.bn_weight,
                             layer.bn_bias, self.training, 0.1, 1e-5)
        return activate(layer.activation, y)

    # vgg_encoder.torchscript
    def encode(self, x):
        e = self.m.enc
        pool = lambda t: F.max_pool2d(t, 2, 2)
        h1 = self.conv(e.c1_1, self.conv(e.c1_0, x))
        h2 = self.conv(e.c2_1, self.conv(e.c2_0, pool(h1)))
        h3 = self.conv(e.c3_2, self.conv(e.c3_1, self.conv(e.c3_0, pool(h2))))
        h4 = self.conv(e.c4_2, self.conv(e.c4_1, self.conv(e.c4_0, pool(h3))))
        h5 = self.conv(e.c5, pool(h4))
        return h5.flatten(1), [h1, h2, h3, h4]

    # vgg_decoder.torchscript
    def dec(self, h, skips):
        d = self.m.dec
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")
        d1 = self.conv(d.upc1, h.view(h.size(0), h.size(1), 1, 1))
        x = torch.cat([up(d1), skips[3]], 1)
        d2 = self.conv(d.upc2_2, self.conv(d.upc2_1, self.conv(d.upc2_0, x)))
        x = torch.cat([up(d2), skips[2]], 1)
        d3 = self.conv(d.upc3_2, self.conv(d.upc3_1, self.conv(d.upc3_0, x)))
        x = torch.cat([up(d3), skips[1]], 1)
        d4 = self.conv(d.upc4_1, self.conv(d.upc4_0, x))
        x = torch.cat([up(d4), skips[0]], 1)
        return self.conv(d.upc5_1, self.conv(d.upc5_0, x))

    # output_head.torchscript
    def head(self, g, x_base):
        return output_head(self.head_kind, g, x_base)

    # action_layer.torchscript
    def move(self, frame, g, x_base, cond, cond_base):
        if self.mover is None:
            return frame
        mv = self.mover
        d = mv.gain * torch.addmm(mv.bias, torch.cat([cond, cond_base], 1), mv.weight.t())
        n = int(mv.n_layers)
        batch, height, width = x_base.shape[0], x_base.shape[2], x_base.shape[3]
        fractions = torch.arange(1, n + 1, dtype=d.dtype) / float(n)
        shifts = (fractions.view(n, 1, 1) * d.unsqueeze(0)).reshape(n * batch, 2)
        zeros, ones = torch.zeros_like(shifts[:, 0]), torch.ones_like(shifts[:, 0])
        theta = torch.stack([torch.stack([ones, zeros, shifts[:, 0] * (-2.0 / width)], 1),
                             torch.stack([zeros, ones, shifts[:, 1] * (-2.0 / height)], 1)], 1)
        grid = F.affine_grid(theta, [n * batch, 1, height, width], align_corners=False)
        masks = torch.sigmoid(g[:, 7:7 + n]).transpose(0, 1).reshape(n * batch, 1, height, width)
        source = torch.cat([x_base.repeat(n, 1, 1, 1), masks], 1)
        moved = F.grid_sample(source, grid, "bilinear", "zeros", False)
        moved = moved.view(n, batch, 4, height, width)
        out = frame
        for k in range(n):
            mask = moved[k, :, 3:4]
            out = mask * moved[k, :, 0:3] + (1.0 - mask) * out
        return out

    def scale_cond(self, cond):
        return (cond - self.m.cond_mean) / self.m.cond_std

    def decode(self, h, skips, x_base, cond, cond_base):
        g = self.dec(h, skips)
        return self.move(self.head(g, x_base), g, x_base, self.scale_cond(cond),
                         self.scale_cond(cond_base))

    # lstm_stack.torchscript / gaussian_lstm.torchscript
    @staticmethod
    def cells(net, x, h, c):
        inp = F.linear(x, net.embed_weight, net.embed_bias)
        hs, cs = [], []
        for i in range(int(net.n_layers)):
            hy, cy = torch._VF.lstm_cell(inp, (h[i], c[i]), net.w_ih[i], net.w_hh[i],
                                         net.b_ih[i], net.b_hh[i])
            hs.append(hy)
            cs.append(cy)
            inp = hy
        return inp, torch.stack(hs), torch.stack(cs)

    def gaussian(self, net, x, h, c):
        inp, h, c = self.cells(net, x, h, c)
        mu = F.linear(inp, net.mu_weight, net.mu_bias)
        logvar = torch.clamp(F.linear(inp, net.logvar_weight, net.logvar_bias), net.logvar_min,
                             net.logvar_max)
        return mu, logvar, h, c

    def init_state(self, batch):
        hidden = self.m.pred.w_hh.size(2)
        z = lambda net: torch.zeros(int(net.n_layers), batch, hidden)
        return [z(self.m.pred), z(self.m.pred), z(self.m.post), z(self.m.post),
                z(self.m.prior_net), z(self.m.prior_net), torch.zeros(batch, self.g_dim)]

    def posterior(self, h_target, s):
        mu, logvar, h, c = self.gaussian(self.m.post, h_target, s[2], s[3])
        return mu, logvar, [s[0], s[1], h, c, s[4], s[5], s[6]]

    def prior(self, h_prev, s):
        if self.learned_prior:
            mu, logvar, h, c = self.gaussian(self.m.prior_net, h_prev, s[4], s[5])
            return mu, logvar, [s[0], s[1], s[2], s[3], h, c, s[6]]
        zeros = torch.zeros(h_prev.size(0), self.z_dim)
        return zeros, zeros, s

    @staticmethod
    def sample(mu, logvar, noise):
        return mu + torch.exp(0.5 * logvar) * noise

    def predict_step(self, h_prev, z, cond, s):
        out, h, c = self.cells(self.m.pred, torch.cat([h_prev, z, self.scale_cond(cond)], 1), s[0],
                               s[1])
        out = torch.tanh(F.linear(out, self.m.pred.out_weight, self.m.pred.out_bias))
        return out, [h, c, s[2], s[3], s[4], s[5], s[6]]

    # svg.torchscript: step (the edge's call)
    def step(self, x_obs, cond_prev, conds, s, first, noise):
        h_obs, skips = self.encode(x_obs)
        if not first:
            h_last = s[6]
            mu, logvar, s = self.posterior(h_obs, s)
            _, _, s = self.prior(h_last, s)
            _, s = self.predict_step(h_last, self.sample(mu, logvar, noise[0]), cond_prev, s)
        s = [s[0], s[1], s[2], s[3], s[4], s[5], h_obs]
        fork, h, x_base, cond_base, preds = s, h_obs, x_obs, conds[0], []
        for k in range(conds.size(0)):
            mu_p, logvar_p, fork = self.prior(h, fork)
            h_pred, fork = self.predict_step(h, self.sample(mu_p, logvar_p, noise[k + 1]),
                                             conds[k], fork)
            x_pred = self.decode(h_pred, skips, x_base, conds[k], cond_base)
            preds.append(x_pred)
            if k + 1 < conds.size(0):
                h, new_skips = self.encode(x_pred)
                if self.last_frame_skip:
                    skips, x_base, cond_base = new_skips, x_pred, conds[k + 1]
        return torch.stack(preds), s

    # trainer/train/svg_objective.cpp, the teacher-forced batched path
    def loss(self, x, cond, beta, n_past):
        T, B = x.shape[0], x.shape[1]
        h_all, skips_all = self.encode(x.flatten(0, 1))
        h_all = h_all.view(T, B, -1)
        s = self.init_state(B)
        kld = x.new_zeros(())
        h_preds = []
        for i in range(1, T):
            h_in = h_all[i - 1]
            mu, logvar, s = self.posterior(h_all[i], s)
            mu_p, logvar_p, s = self.prior(h_in, s)
            z = self.sample(mu, logvar, torch.randn_like(mu))
            h_pred, s = self.predict_step(h_in, z, cond[i - 1], s)
            kl = (0.5 * (logvar_p - logvar) + (logvar.exp() + (mu - mu_p) ** 2) /
                  (2.0 * logvar_p.exp()) - 0.5)
            kld = kld + kl.sum(1).mean()
            h_preds.append(h_pred)
        idx = torch.tensor([i - 1 if self.last_frame_skip else min(i - 1, n_past - 1)
                            for i in range(1, T)])
        skips = [sk.view(T, B, *sk.shape[1:]).index_select(0, idx).flatten(0, 1)
                 for sk in skips_all]
        preds = self.decode(torch.stack(h_preds).flatten(0, 1), skips,
                            x.index_select(0, idx).flatten(0, 1), cond[:T - 1].flatten(0, 1),
                            cond.index_select(0, idx).flatten(0, 1))
        mse = ((preds - x[1:].flatten(0, 1)) ** 2).mean() * (T - 1)
        return mse + beta * kld


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a .pt that foresight export (or bench_inference) wrote")
    ap.add_argument("--check", action="store_true", help="eager step == scripted step")
    ap.add_argument("--train", type=int, default=0, help="timed training iterations")
    ap.add_argument("--step", type=int, default=0, help="timed edge steps (batch 1)")
    ap.add_argument("--eval", type=int, default=0,
                    help="timed evaluation batches (observe 2 frames, predict 10, no gradients)")
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--frames", type=int, default=12, help="n_past + n_future")
    ap.add_argument("--n-past", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true",
                    help="training forward under torch.autocast in bfloat16 (foresight --precision bf16)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (cuda needs torch >= 2.0)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.device != "cpu":
        # Every tensor the network makes (states, grids, indices) lands on the GPU, as a user's
        # script with .to(device) everywhere would; cuDNN picks its algorithms once, as the
        # trainer does.
        torch.set_default_device(args.device)
        torch.backends.cudnn.benchmark = True
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    scripted = torch.jit.load(args.model, map_location=args.device)
    svg = Svg(scripted)
    cond_dim = scripted.cond_mean.numel()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": args.device}

    if args.check:
        x = torch.rand(1, 3, 64, 64)
        cond, conds = torch.rand(1, cond_dim), torch.rand(2, 1, cond_dim)
        noise = torch.randn(3, 1, svg.z_dim)
        with torch.no_grad():
            scripted.eval()
            s_ref = scripted.step(x, cond, conds, scripted.init_state(1), True, noise)[1]
            ref, _ = scripted.step(x, cond, conds, s_ref, False, noise)
            s_eag = svg.step(x, cond, conds, svg.init_state(1), True, noise)[1]
            eag, _ = svg.step(x, cond, conds, s_eag, False, noise)
        out["max_abs_diff"] = float((ref - eag).abs().max())
        if not out["max_abs_diff"] < 1e-4:
            raise SystemExit(f"eager and scripted steps differ by {out['max_abs_diff']}")

    if args.step:
        svg.training = False
        x, cond = torch.rand(1, 3, 64, 64), torch.rand(1, cond_dim)
        conds = torch.rand(1, 1, cond_dim)
        with torch.no_grad():
            s = svg.step(x, cond, conds, svg.init_state(1), True, torch.randn(2, 1, svg.z_dim))[1]
            times = []
            for i in range(args.step + 3):
                sync()
                t0 = time.perf_counter()
                svg.step(x, cond, conds, s, False, torch.randn(2, 1, svg.z_dim))
                sync()
                if i >= 3:  # as the C++ benchmark: three warm-up steps
                    times.append(time.perf_counter() - t0)
        times.sort()
        out["step_p50_ms"] = 1e3 * times[len(times) // 2]
        out["step_mean_ms"] = 1e3 * sum(times) / len(times)

    if args.eval:
        # What bench_training's BM_Evaluate (and foresight eval, per batch) runs.
        svg.training = False
        x = torch.rand(2, args.batch, 3, 64, 64)
        cond = torch.rand(args.frames, args.batch, cond_dim)

        def evaluate():
            s = svg.init_state(args.batch)
            s = svg.step(x[0], cond[0], cond[0:1], s, True,
                         torch.randn(2, args.batch, svg.z_dim))[1]
            preds, _ = svg.step(x[1], cond[0], cond[1:args.frames - 1], s, False,
                                torch.randn(args.frames - 1, args.batch, svg.z_dim))
            return float(preds.sum())

        with torch.no_grad():
            evaluate()  # warm-up
            sync()
            t0 = time.perf_counter()
            for _ in range(args.eval):
                evaluate()
            sync()
            out["eval_seq_per_s"] = args.eval * args.batch / (time.perf_counter() - t0)

    if args.train:
        svg.training = True
        params = svg.parameters()
        for p in params:
            p.requires_grad_(True)
        adam = torch.optim.Adam(params, lr=0.002)
        x = torch.rand(args.frames, args.batch, 3, 64, 64)
        cond = torch.rand(args.frames, args.batch, cond_dim)

        def iteration():
            with torch.autocast(args.device.split(":")[0], dtype=torch.bfloat16, enabled=args.bf16):
                loss = svg.loss(x, cond, 1e-4, args.n_past)
            adam.zero_grad()
            loss.backward()
            adam.step()
            return float(loss)

        iteration()  # warm-up, as Google Benchmark's first run
        t0 = time.perf_counter()
        for _ in range(args.train):
            iteration()
        seconds = time.perf_counter() - t0
        out["train_seq_per_s"] = args.train * args.batch / seconds
    print(json.dumps(out))


if __name__ == "__main__":
    main()
