#!/usr/bin/env python3
"""Foresight against a plain PyTorch eager loop of the same network, side by side in one run.

Interleaves, for ROUNDS rounds: the C++ training iteration (bench_training, paper preset, batch
12, 2 + 10 frames, teacher-forced), the eager one (bench/eager_svg.py on the same weights), the
C++ edge step through both runtimes (bench_inference, batch 1) and the eager step, and the
evaluation rollout (bench_training's BM_Evaluate: batch 12, observe 2, predict 10) beside the
eager one; then prints the median of each and the ratios (> 1: Foresight is faster). Same
threads on both sides. The
pose CVAE the same way (bench_training's BM_PoseTrainIteration and bench_inference's BM_PoseStep
beside bench/eager_pose.py, paper preset).

  /usr/bin/python3 bench/vs_eager.py build [--rounds 2] [--threads 2] [--family svg|pose|both]
  python3 bench/vs_eager.py build --device cuda [--rounds 3]   (training only; GPU machine)
  /usr/bin/python3 bench/vs_eager.py build --precision bf16       (training only, bf16 autocast
      on both sides: foresight --precision bf16 against torch.autocast around the eager forward)

With --device cuda the training iteration runs on the GPU on both sides (bench_training's
BM_TrainIteration/1/1/0 and eager_svg.py --device cuda, the model from bench_training
--export-model); the edge step is not compared there (its target is a Jetson).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def gbench(binary, filt, threads):
    env = dict(os.environ, FORESIGHT_THREADS=str(threads))
    out = subprocess.run([binary, f"--benchmark_filter={filt}", "--benchmark_format=json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    if any("error_message" in r for r in runs):
        raise SystemExit(f"{binary} {filt}: {runs[0].get('error_message')}")
    return runs


def eager(model, threads, *args, script="eager_svg.py"):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, os.path.join(here, script), model,
                          "--threads", str(threads), *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare_on_gpu(args):
    training = os.path.join(args.build, "bench", "bench_training")
    model = os.path.join(tempfile.gettempdir(), "foresight-bench", "svg_train.pt")
    os.makedirs(os.path.dirname(model), exist_ok=True)
    subprocess.run([training, "--export-model", model], check=True)
    cpp, eag = [], []
    for r in range(args.rounds):
        cpp.append(gbench(training, "BM_TrainIteration/1/1/0/", args.threads)[0]["sequences_per_s"])
        eag.append(eager(model, args.threads, "--device", "cuda", "--train",
                         str(args.iters))["train_seq_per_s"])
        print(json.dumps({"round": r + 1, "cpp_train": cpp[-1], "eager_train": eag[-1]}),
              flush=True)
    c, e = statistics.median(cpp), statistics.median(eag)
    print(f"\n| | Foresight | plain PyTorch eager, same net | ratio |\n|---|---|---|---|")
    print(f"| training iteration on the GPU, batch 12, 2 + 10 frames, teacher-forced | "
          f"{c:.1f} seq/s | {e:.1f} seq/s | **{c / e:.2f}x** |")
    print(f"\n{args.rounds} rounds, medians.")
    return {"cpp_train": c, "eager_train": e, "ratio": c / e}


def compare_bf16_training(args):
    training = os.path.join(args.build, "bench", "bench_training")
    tmp = os.path.join(tempfile.gettempdir(), "foresight-bench")
    os.makedirs(tmp, exist_ok=True)
    families = []
    if args.family in ("svg", "both"):
        model = os.path.join(tmp, "svg_train.pt")
        subprocess.run([training, "--export-model", model], check=True)
        families.append(("SVG, batch 12, 2 + 10 frames", "BM_TrainIterationBf16/0/", model,
                         "eager_svg.py", ["--train", "1"]))
    if args.family in ("pose", "both"):
        model = os.path.join(tmp, "pose_train.pt")
        subprocess.run([training, "--export-pose-model", model], check=True)
        families.append(("pose CVAE, batch 8, clips of 16 frames", "BM_PoseTrainIterationBf16/0/",
                         model, "eager_pose.py", ["--train", "2"]))
    rows = {name: ([], []) for name, *_ in families}
    for r in range(args.rounds):
        for name, filt, model, script, eager_args in families:
            cpp, eag = rows[name]
            cpp.append(gbench(training, filt, args.threads)[0]["sequences_per_s"])
            eag.append(eager(model, args.threads, "--bf16", *eager_args,
                             script=script)["train_seq_per_s"])
            print(json.dumps({"round": r + 1, "family": name, "cpp_train": cpp[-1],
                              "eager_train": eag[-1]}), flush=True)
    print(f"\n| training iteration, bf16 autocast, teacher-forced | Foresight | "
          f"plain PyTorch eager, same net | ratio |\n|---|---|---|---|")
    for name, (cpp, eag) in rows.items():
        c, e = statistics.median(cpp), statistics.median(eag)
        print(f"| {name} | {c:.3f} seq/s | {e:.3f} seq/s | **{c / e:.2f}x** |")
    print(f"\n{args.rounds} rounds, medians; {args.threads} threads each side.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", help="the CMake build folder (bench/ inside)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30, help="eager edge steps per round")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda: training on the GPU only")
    ap.add_argument("--iters", type=int, default=20, help="eager GPU iterations per round")
    ap.add_argument("--family", default="both", choices=("svg", "pose", "both"))
    ap.add_argument("--precision", default="fp32", choices=("fp32", "bf16"),
                    help="bf16: the training rows only, under bf16 autocast on both sides")
    args = ap.parse_args()
    if args.precision == "bf16":
        return compare_bf16_training(args)
    if args.device == "cuda":
        return compare_on_gpu(args)
    if args.family in ("svg", "both"):
        compare_svg(args)
    if args.family in ("pose", "both"):
        compare_pose(args)


def compare_pose(args):
    training = os.path.join(args.build, "bench", "bench_training")
    inference = os.path.join(args.build, "bench", "bench_inference")
    model = os.path.join(tempfile.gettempdir(), "foresight-bench", "pose_train.pt")
    os.makedirs(os.path.dirname(model), exist_ok=True)
    subprocess.run([training, "--export-pose-model", model], check=True)
    print(json.dumps({"pose parity": eager(model, args.threads, "--check",
                                            script="eager_pose.py")}), flush=True)
    rows = {k: [] for k in ("cpp_train", "eager_train", "cpp_full", "cpp_lite", "eager_step")}
    for r in range(args.rounds):
        for run in gbench(inference, "BM_PoseStep/(lite_ptl|full_pt)/", args.threads):
            rows["cpp_lite" if "lite" in run["name"] else "cpp_full"].append(run["p50_ms"])
        rows["eager_step"].append(eager(model, args.threads, "--step", str(args.steps),
                                        script="eager_pose.py")["step_p50_ms"])
        rows["cpp_train"].append(
            gbench(training, "BM_PoseTrainIteration/0", args.threads)[0]["sequences_per_s"])
        rows["eager_train"].append(eager(model, args.threads, "--train", "4",
                                         script="eager_pose.py")["train_seq_per_s"])
        print(json.dumps({"pose round": r + 1, **{k: v[-1] for k, v in rows.items()}}),
              flush=True)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"\n| pose CVAE, paper preset | Foresight | plain PyTorch eager, same net | ratio |"
          f"\n|---|---|---|---|")
    print(f"| training iteration, batch 8, clips of 16 frames, teacher-forced | "
          f"{med['cpp_train']:.3f} seq/s | {med['eager_train']:.3f} seq/s | "
          f"**{med['cpp_train'] / med['eager_train']:.2f}x** |")
    for key, label in (("cpp_full", "full runtime `.pt`"), ("cpp_lite", "lite runtime `.ptl`")):
        print(f"| rollout step, batch 1, {label} (p50) | {med[key]:.1f} ms | "
              f"{med['eager_step']:.1f} ms | **{med['eager_step'] / med[key]:.2f}x** |")
    print(f"\n{args.rounds} rounds, medians; {args.threads} threads each side.")


def compare_svg(args):
    training = os.path.join(args.build, "bench", "bench_training")
    inference = os.path.join(args.build, "bench", "bench_inference")
    # bench_inference exports the full-size model (random weights) here on its first run.
    model = os.path.join(tempfile.gettempdir(), "foresight-bench", "svg.pt")

    rows = {k: [] for k in ("cpp_train", "eager_train", "cpp_full", "cpp_lite", "eager_step",
                            "cpp_eval", "eager_eval")}
    for r in range(args.rounds):
        for run in gbench(inference, "BM_EdgeStep/(lite_ptl|full_pt)/", args.threads):
            key = "cpp_lite" if "lite" in run["name"] else "cpp_full"
            rows[key].append(run["p50_ms"])
        if r == 0:
            print(json.dumps({"parity": eager(model, args.threads, "--check")}), flush=True)
        rows["eager_step"].append(eager(model, args.threads, "--step", str(args.steps))["step_p50_ms"])
        run = gbench(training, "BM_TrainIteration/0/1/0/", args.threads)[0]
        rows["cpp_train"].append(run["sequences_per_s"])
        rows["eager_train"].append(eager(model, args.threads, "--train", "1")["train_seq_per_s"])
        run = gbench(training, "BM_Evaluate/0/1/", args.threads)[0]
        rows["cpp_eval"].append(run["sequences_per_s"])
        rows["eager_eval"].append(eager(model, args.threads, "--eval", "5")["eval_seq_per_s"])
        print(json.dumps({"round": r + 1, **{k: v[-1] for k, v in rows.items()}}), flush=True)

    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"\n| | Foresight | plain PyTorch eager, same net | ratio |\n|---|---|---|---|")
    print(f"| training iteration, batch 12, 2 + 10 frames, teacher-forced | "
          f"{med['cpp_train']:.3f} seq/s | {med['eager_train']:.3f} seq/s | "
          f"**{med['cpp_train'] / med['eager_train']:.2f}x** |")
    for key, label in (("cpp_full", "full runtime `.pt`"), ("cpp_lite", "lite runtime `.ptl`")):
        print(f"| edge step, batch 1, {label} (p50) | {med[key]:.1f} ms | "
              f"{med['eager_step']:.1f} ms | **{med['eager_step'] / med[key]:.2f}x** |")
    print(f"| evaluation, batch 12, observe 2 frames and predict 10 | "
          f"{med['cpp_eval']:.2f} seq/s | {med['eager_eval']:.2f} seq/s | "
          f"**{med['cpp_eval'] / med['eager_eval']:.2f}x** |")
    print(f"\n{args.rounds} rounds, medians; {args.threads} threads each side.")


if __name__ == "__main__":
    main()
