"""``spinemu gen`` of a machine of several devices: one design per device and ``machine.json``.

The folder holds ``device<k>/`` for each device (its Verilog top level and register map,
as a one-device ``gen`` writes them), ``machine.json`` and ``manifest.json``.

``machine.json`` is what wires the boards together and programs them: the exchange
(``exchange_period`` E and ``link_latency`` D, the values to write to every device's
``EXCH_PERIOD``/``EXCH_LATENCY``), each device's p-bits, ghosts and boundary (machine
indices, so the host splits ``h``, ``J``, clamps and states by them), and the links:
device ``from``'s ``tx`` stream to port ``rx<k>`` of device ``to``, ``words`` 32-bit
words per boundary set.  A link must buffer ``link_buffer_sets`` sets, or a fast device
waits for a slow one's buffer (:mod:`spinemu.hdl.pbit_exchange`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..sim_golden.pbit_net_device import device_plans
from .artifacts import sha256, tool_versions, write_design
from .config import Config

__all__ = ["generate_machine", "machine_description"]


def machine_description(spec, exchange) -> dict:
    """The content of ``machine.json`` for ``spec`` split as ``exchange.partition``."""
    plans = device_plans(spec, exchange.partition)
    links = [
        {"from": src.device, "to": plan.device, "port": f"rx{k}", "words": src.words}
        for plan in plans
        for k, src in enumerate(plan.sources)
    ]
    return {
        "devices": exchange.partition.devices,
        "pbits": spec.n,
        "couplings": spec.num_edges,
        "colors": spec.num_colors,
        "cut_edges": len(exchange.partition.cut),
        "exchange_period": exchange.period,
        "link_latency": exchange.latency,
        "eta": 1.0 / exchange.period,
        "link_buffer_sets": -(-exchange.latency // exchange.period) + 1,
        "links": links,
        "device": [plan.to_dict() for plan in plans],
    }


def generate_machine(config: Config, out: Path, exchange) -> dict:
    """Write every device's design, ``machine.json`` and ``manifest.json`` into ``out``."""
    from .pbit_machine import device_design

    spec = config.spec
    description = machine_description(spec, exchange)
    files, tops = [], []
    for plan in device_plans(spec, exchange.partition):
        folder = out / f"device{plan.device}"
        folder.mkdir(parents=True, exist_ok=True)
        design = device_design(plan)
        names = write_design(design, plan.spec.regmap, folder, f"{config.name}_device{plan.device}")
        files += [f"{folder.name}/{f}" for f in names]
        description["device"][plan.device].update(
            folder=folder.name, top=design.top, ports=[p.__dict__ for p in design.ports],
            spec=plan.spec.to_dict(),
        )  # fmt: skip
        tops.append(design.top)
    (out / "machine.json").write_text(json.dumps(description, indent=1) + "\n")
    files.append("machine.json")
    manifest = {
        "name": config.name,
        "kind": config.kind,
        "machine": {"devices": description["devices"], "tops": tops},
        "spec": spec.to_dict(),
        "tools": tool_versions(),
        "files": {f: sha256(out / f) for f in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
