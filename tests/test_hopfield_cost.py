"""The Hopfield core's memory model and the board checks built on it (no synthesis run)."""

from __future__ import annotations

import re

import pytest
from spinemu.boards.catalog import get_board
from spinemu.gen.hopfield_cost import bram36_blocks, max_neurons, memory_usage, uram_blocks
from spinemu.sim_golden.hopfield_spec import HopfieldSpec
from spinemu.sim_golden.validate import SpecError

__all__: list[str] = []

#: yosys synth_xilinx block RAM counts (RAMB36 + RAMB18 / 2) of default-device designs
#: measured by benchmarks/bench_hopfield.py: (N, lanes) -> BRAM36.
YOSYS_BRAM36 = {(64, 4): 2.5, (256, 16): 32.5, (1024, 16): 513}  # bench_hopfield, 2026-12-01


def test_tiling_counts():
    # 240-bit words, 65,536 deep: 4K x 9 tiles (27 wide x 16 deep) are the cheapest
    assert bram36_blocks(240, 65536) == 27 * 16
    assert bram36_blocks(72, 512) == 1 and bram36_blocks(73, 512) == 2 and bram36_blocks(1, 32769) == 2
    assert uram_blocks(240, 65536) == 4 * 16 and uram_blocks(72, 4096) == 1 and uram_blocks(72, 4097) == 2


@pytest.mark.parametrize("shape", sorted(YOSYS_BRAM36))
def test_model_agrees_with_yosys(shape):
    n, lanes = shape
    model = memory_usage(HopfieldSpec(n_neurons=n, lanes=lanes))["bram36"]
    assert abs(model - YOSYS_BRAM36[shape]) <= 0.25 * YOSYS_BRAM36[shape] + 1


def test_banks_are_one_block_deep():
    assert HopfieldSpec(n_neurons=64, lanes=16).synapse_banks == (256,)
    assert HopfieldSpec(n_neurons=256, lanes=16).synapse_banks == (1024,) * 4
    assert HopfieldSpec(n_neurons=100, lanes=8).synapse_banks == (1024, 276)  # 100 x 13 rows
    assert HopfieldSpec(n_neurons=1024, lanes=16, synapse_ram="ultra").synapse_banks == (65536,)
    # banked, the 1,024-neuron memory takes 7 blocks per bank instead of 4K x 9 tiles
    assert memory_usage(HopfieldSpec(n_neurons=1024, lanes=16))["bram36"] == 64 * 7 + 1


def test_synapse_ram_is_validated_and_moves_the_memory():
    with pytest.raises(SpecError, match="synapse_ram = 'distributed'"):
        HopfieldSpec(n_neurons=8, synapse_ram="distributed")
    block = memory_usage(HopfieldSpec(n_neurons=1024, lanes=16))
    ultra = memory_usage(HopfieldSpec(n_neurons=1024, lanes=16, synapse_ram="ultra"))
    assert block["uram"] == 0 and ultra["uram"] == 64 and ultra["bram36"] < block["bram36"]


def test_max_neurons_is_the_boundary():
    zcu = get_board("zcu104").resources.as_dict()
    spec = HopfieldSpec(n_neurons=64, lanes=16)
    most = max_neurons(spec, zcu)
    fits = memory_usage(HopfieldSpec(n_neurons=most, lanes=16))
    over = memory_usage(HopfieldSpec(n_neurons=most + 32, lanes=16))
    assert all(v <= zcu[k] for k, v in fits.items()) and any(v > zcu[k] for k, v in over.items())


def _config(tmp_path, name, **fields):
    body = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in fields.items())
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f'name = "{name}"\n[core]\nkind = "hopfield"\n[hopfield]\n{body}')
    return cfg


def test_build_refuses_a_network_too_large_and_says_what_fits(tmp_path, capsys):
    from spinemu.gen.cli import main

    cfg = _config(tmp_path, "h1024", n_neurons=1024, lanes=16)
    assert main(["build", str(cfg), "--board", "zcu104", "-o", str(tmp_path / "b"), "--estimate", "no"]) == 2
    err = capsys.readouterr().err
    # 64 banks of 1K x 240 bits, 7 blocks of 1K x 36 each, and the class ROM's block
    assert "Traceback" not in err and f"{64 * 7 + 1} BRAM36 (the part has 312)" in err
    most, ultra = (int(x.replace(",", "")) for x in re.search(
        r"holds at most ([\d,]+) neurons .* \(([\d,]+) with hopfield.synapse_ram", err).groups())
    zcu = get_board("zcu104").resources.as_dict()
    assert most == max_neurons(HopfieldSpec(n_neurons=64, lanes=16), zcu) < 1024 <= ultra


def test_build_places_the_synapse_memory_in_ultraram(tmp_path, capsys):
    from spinemu.gen.cli import main

    cfg = _config(tmp_path, "h128u", n_neurons=128, lanes=16, synapse_ram="ultra")
    out = tmp_path / "b"
    assert main(["build", str(cfg), "--board", "zcu104", "-o", str(out), "--estimate", "no", "-q"]) == 0
    verilog = "".join(p.read_text() for p in (out / "gen").glob("*.v"))
    assert '(* ram_style = "ultra" *)' in verilog
    capsys.readouterr()
    # a part without UltraRAM refuses it, naming the resource and what block RAM holds
    assert main(["build", str(cfg), "--board", "pynq-z2", "-o", str(tmp_path / "c"), "--estimate", "no"]) == 2
    err = capsys.readouterr().err
    assert "4 URAM (the part has 0)" in err and 'with hopfield.synapse_ram = "block"' in err


def test_synth_explains_why_it_cannot_estimate_ultraram(tmp_path, capsys):
    from spinemu.gen.cli import main

    cfg = _config(tmp_path, "h64u", n_neurons=64, lanes=4, synapse_ram="ultra")
    assert main(["synth", str(cfg), "-q"]) == 2
    err = capsys.readouterr().err
    assert "UltraRAM" in err and 'synapse_ram = "block"' in err and "Traceback" not in err
