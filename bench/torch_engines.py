"""PyTorch's float32 forward, gradient and HVP times on a flatcheck network,
for the bench's engines section (one thread, median of repeated runs).
Usage: python3 bench/torch_engines.py NET.json DATA.json  → one JSON line."""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)


def model_from(network):
    layers = []
    for layer in network["layers"]:
        w = torch.tensor(layer["weights"], dtype=torch.float32)
        linear = torch.nn.Linear(w.shape[1], w.shape[0], bias="bias" in layer)
        with torch.no_grad():
            linear.weight.copy_(w)
            if "bias" in layer:
                linear.bias.copy_(torch.tensor(layer["bias"], dtype=torch.float32))
        layers.append(linear)
        if layer["activation"] == "relu":
            layers.append(torch.nn.ReLU())
        elif layer["activation"] != "linear":
            raise SystemExit(f"bench network activation {layer['activation']} not supported here")
    return torch.nn.Sequential(*layers)


def median_ms(f, min_seconds=1.0):
    f()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 5:
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    network = json.load(open(sys.argv[1]))
    data = json.load(open(sys.argv[2]))
    model = model_from(network)
    params = list(model.parameters())
    x = torch.tensor(data["inputs"], dtype=torch.float32)
    y = torch.tensor(data["targets"], dtype=torch.float32)
    mse = torch.nn.MSELoss()
    v = [torch.sin(torch.arange(p.numel(), dtype=torch.float32)).reshape(p.shape) for p in params]

    def forward():
        with torch.no_grad():
            mse(model(x), y)

    def gradient():
        torch.autograd.grad(mse(model(x), y), params)

    def hvp():
        g = torch.autograd.grad(mse(model(x), y), params, create_graph=True)
        torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)

    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "forward_ms": median_ms(forward), "gradient_ms": median_ms(gradient), "hvp_ms": median_ms(hvp)}))


main()
