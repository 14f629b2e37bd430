"""PyTorch peer of `npm run bench`: times the same distillation step as the Distill Lab engine.

The bench writes the data (features, labels, cached teacher logits) and the workload
(meta.json) into a folder; this script trains the same MLP on them and prints one JSON line:
{"status": "measured", "torch", "blas", "threads", "examples", "epochSeconds": [warm-up, ...],
"meanLoss" (of the last epoch)}
or {"status": "missing", "reason"} when torch or numpy cannot be imported.
With --probe it only checks the imports and prints {"status": "ready", ...} or the missing line.

PyTorch is a benchmark-only peer, never a dependency of the project.
"""

import argparse
import json
import os
import sys
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", action="store_true", help="check that torch imports, then exit")
    parser.add_argument("--data", help="folder written by the bench (meta.json, features.f32, ...)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads for PyTorch and OpenBLAS")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up epoch")
    arguments = parser.parse_args()
    if not arguments.probe and arguments.data is None:
        parser.error("--data is required unless --probe is given")
    if arguments.threads < 1 or arguments.epochs < 1:
        parser.error("--threads and --epochs must be 1 or more")
    return arguments


def loaded_blas():
    """Name the BLAS library mapped into this process.

    Debian's torch reports BLAS_INFO=generic because it links libblas.so.3, which the
    alternatives system points at OpenBLAS or at the slow reference BLAS.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if ".so" in line}
    except OSError:
        return "BLAS unknown"
    if any("openblas" in path for path in paths):
        return "OpenBLAS"
    if any("libmkl" in path for path in paths):
        return "MKL"
    if any("/blas/libblas" in path for path in paths):
        return "reference BLAS"
    return "BLAS unknown"


def build_model(torch, workload, features, classes):
    """Build the engine's teacher MLP: dropout on the inputs, then Linear, ReLU, dropout per hidden layer."""
    layers = [torch.nn.Dropout(workload["inputDropout"])]
    width = features
    for units in workload["hidden"]:
        layers += [torch.nn.Linear(width, units), torch.nn.ReLU(), torch.nn.Dropout(workload["dropout"])]
        width = units
    layers.append(torch.nn.Linear(width, classes))
    model = torch.nn.Sequential(*layers)

    # tfjs dense layers start from Glorot-uniform kernels and zero biases.
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    return model


def distillation_loss(torch, logits, teacher_logits, labels, workload):
    """Return softWeight · T² · H(softmax(teacher / T), softmax(student / T)) + hardWeight · CE(labels)."""
    functional = torch.nn.functional
    temperature = workload["temperature"]
    teacher_probabilities = functional.softmax(teacher_logits / temperature, dim=1)
    student_log_probabilities = functional.log_softmax(logits / temperature, dim=1)
    soft = -(teacher_probabilities * student_log_probabilities).sum(dim=1).mean()
    if workload["scaleByTemperatureSquared"]:
        soft = soft * temperature * temperature
    hard = functional.cross_entropy(logits, labels)
    return workload["softWeight"] * soft + workload["hardWeight"] * hard


def main():
    arguments = parse_arguments()

    # OpenBLAS reads its thread count when it loads, and torch.set_num_threads does not reach a
    # BLAS that torch was not built against, so both variables are set before the import.
    os.environ["OPENBLAS_NUM_THREADS"] = str(arguments.threads)
    os.environ["OMP_NUM_THREADS"] = str(arguments.threads)
    # OpenMP threads that spin while they wait made 2 threads 10 times slower than 1 on a 2-core
    # machine shared with other jobs (torch 1.13, load average 6). Passive waiting avoids that.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import numpy
        import torch
    except ImportError as error:
        print(json.dumps({"status": "missing", "reason": f"{error} (Python {sys.executable})"}))
        return 0

    if arguments.probe:
        print(json.dumps({"status": "ready", "torch": torch.__version__, "python": sys.executable}))
        return 0

    with open(os.path.join(arguments.data, "meta.json"), encoding="utf-8") as file:
        meta = json.load(file)
    count, features, classes, workload = meta["count"], meta["features"], meta["classes"], meta["workload"]
    inputs = torch.from_numpy(numpy.fromfile(os.path.join(arguments.data, "features.f32"), dtype="<f4").reshape(count, features))
    labels = torch.from_numpy(numpy.fromfile(os.path.join(arguments.data, "labels.i32"), dtype="<i4").astype("int64"))
    teacher_logits = torch.from_numpy(numpy.fromfile(os.path.join(arguments.data, "teacher-logits.f32"), dtype="<f4").reshape(count, classes))

    torch.set_num_threads(arguments.threads)
    torch.manual_seed(1)
    model = build_model(torch, workload, features, classes)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=workload["learningRate"], eps=workload["adamEpsilon"])
    batch_size = workload["batchSize"]

    epoch_seconds = []
    for _ in range(1 + arguments.epochs):
        started = time.perf_counter()
        order = torch.randperm(count)
        loss_sum = torch.zeros(())
        # The last batch is smaller when count is not a multiple of the batch size, as in the engine.
        for start in range(0, count, batch_size):
            indices = order[start : start + batch_size]
            logits = model(inputs[indices])
            loss = distillation_loss(torch, logits, teacher_logits[indices], labels[indices], workload)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(indices)
        mean_loss = loss_sum.item() / count
        if mean_loss != mean_loss:
            raise SystemExit(f"torch_peer.py: the loss became NaN; check the data in {arguments.data}")
        epoch_seconds.append(time.perf_counter() - started)

    print(
        json.dumps(
            {
                "status": "measured",
                "torch": torch.__version__,
                "blas": loaded_blas(),
                "threads": arguments.threads,
                "examples": count,
                "epochSeconds": epoch_seconds,
                "meanLoss": mean_loss,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
