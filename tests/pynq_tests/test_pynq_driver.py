"""The PYNQ drivers, run through the real pynq package with no board.

:class:`NativeDevice` is a ``pynq.Device`` subclass (PYNQ's own mocking pattern) with the
``REGISTER_RW`` capability: ``pynq.MMIO`` turns each register access into
``read_registers``/``write_registers``, which this device runs as AXI4-Lite transactions
on the native Verilator model of the generated core.  Buffers come from the device's
``allocate`` (``pynq.allocate`` with the device active).  Overlays are real
``pynq.Overlay`` objects: the device answers ``get_bitfile_metadata`` with the IP
description Vivado's ``.hwh`` gives for the block design ``spinemu build`` wrote (the
``core`` cell, its VLNV and base address, read from ``build.json``), and "downloads"
a bitstream by resetting the model, so pynq picks the driver class by VLNV itself.

Known answers: the golden model's samples for the same Spec and seed (bit-exact), the
register map's offsets and widths, and the ``ID`` constant of the core.
"""

from __future__ import annotations

import contextlib
import json
import struct
import types

import numpy as np
import pynq
import pytest
from pynq.buffer import PynqBuffer
from pynq.overlay import _assign_drivers, _ip_drivers
from spinemu.boards.ip import core_vlnv
from spinemu.gen.cli import main
from spinemu.gen.native import build_native
from spinemu.gen.verilog import design_for_spec
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_spec import PBIT_ARRAY_IDENT, PBitArraySpec
from spinemu.sw import pynq_driver as pd
from spinemu.sw.mmio import BusError

__all__: list[str] = []

BASE = 0x43C0_0000
VLNV = core_vlnv("pbit_array")
I_REAL = [-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]


class NativeDevice(pynq.Device):
    """A pynq device whose register space is the native model of one core at ``base``.

    ``stuck_low`` maps a byte offset to a bit mask forced to 0 on writes (fault injection).
    """

    def __init__(self, model, base: int):
        super().__init__("spinemu-native")
        self.capabilities = {"REGISTER_RW": True, "MEMORY_MAPPED": False}
        self.model, self.base = model, base
        self.stuck_low: dict[int, int] = {}
        self.transactions = 0
        self.buffers = []
        self.downloads = 0
        self.ip_dict: dict = {}
        self._next_phys = 0x1000_0000

    def get_bitfile_metadata(self, bitfile_name):
        """What pynq's .hwh parser yields (only the parts Overlay reads)."""
        return types.SimpleNamespace(
            ip_dict=self.ip_dict,
            mem_dict={},
            gpio_dict={},
            interrupt_pins={},
            interrupt_controllers={},
            hierarchy_dict={},
            systemgraph=None,
            clock_dict={},
        )

    def download(self, bitstream, parser=None):
        """Loading a bitstream resets the fabric."""
        self.model.reset()
        self.bitfile_name = bitstream.bitfile_name
        self.downloads += 1

    def _offset(self, address: int) -> int:
        offset = address - self.base
        assert 0 <= offset < 0x10000, f"access outside the core: {address:#x}"
        return offset

    def read_registers(self, address, length):
        offset = self._offset(address)
        words = []
        for k in range(0, length, 4):
            data, resp = self.model.axil_read(offset + k, check=False)
            if resp:
                raise BusError(f"SLVERR at {address + k:#x}")
            words.append(data)
            self.transactions += 1
        return struct.pack(f"<{len(words)}I", *words)

    def write_registers(self, address, data):
        offset = self._offset(address)
        for k, (value,) in enumerate(struct.iter_unpack("<I", bytes(data))):
            value &= ~self.stuck_low.get(offset + 4 * k, 0) & 0xFFFFFFFF
            self.model.axil_write(offset + 4 * k, value, check=False)
            self.transactions += 1

    def allocate(self, shape, dtype, **kwargs):
        buf = PynqBuffer(shape, dtype, device=self, device_address=self._next_phys, coherent=True)
        self._next_phys += (buf.nbytes + 0xFFF) & ~0xFFF
        self.buffers.append(buf.device_address)
        return buf


def ip_description(vlnv=VLNV, *, phys_addr=BASE, name="pbit_0"):
    """The ``ip_dict`` pynq's .hwh parser yields for one AXI4-Lite IP."""
    return {
        name: {
            "type": vlnv,
            "phys_addr": phys_addr,
            "addr_range": 0x10000,
            "fullpath": name,
            "mem_id": "s_axi",
            "parameters": {},
            "registers": {},
            "gpio": {},
            "interrupts": {},
            "state": None,
        }
    }


def build_overlay(cfg) -> tuple:
    """``(folder, build.json)`` of ``spinemu build`` of the config file ``cfg``.

    Builds into ``build/`` next to ``cfg`` (no Vivado run, no synthesis estimate) and
    writes the placeholder ``.bit`` and ``.hwh`` that Vivado would have written.
    """
    dest = cfg.parent / "build"
    args = ["build", str(cfg), "--board", "pynq-z2", "-o", str(dest), "--estimate", "no", "--no-run"]
    assert main(args) == 0
    info = json.loads((dest / "build.json").read_text())
    (dest / info["bitfile"]).write_bytes(b"\0")
    (dest / info["hwh"]).write_text("<MODULES/>")
    return dest, info


@contextlib.contextmanager
def active_devices():
    """Yield ``use(dev)``, which makes ``dev`` pynq's active device and returns it.

    On exit the previously active device is restored and every used device's native
    model closed.
    """
    previous = getattr(pynq.Device, "_active_device", None)
    devices = []

    def use(dev):
        pynq.Device.active_device = dev
        devices.append(dev)
        return dev

    yield use
    if previous is not None:
        pynq.Device.active_device = previous
    elif hasattr(pynq.Device, "_active_device"):
        del pynq.Device._active_device
    for dev in devices:
        dev.model.close()


def HwhOverlay(ip_dict, device, folder):
    """A real ``pynq.Overlay`` of placeholder files whose .hwh describes ``ip_dict``."""
    bit = folder / "ov.bit"
    bit.write_bytes(b"\0")
    bit.with_suffix(".hwh").write_text("<MODULES/>")
    device.ip_dict = ip_dict
    return pd.open_overlay(bit, device=device)


@pytest.fixture(scope="module")
def spec():
    return PBitArraySpec(n=8)


@pytest.fixture()
def device(spec):
    with active_devices() as use:
        yield use(NativeDevice(build_native(design_for_spec(spec)), BASE))


def test_pynq_binds_the_core_vlnv_to_its_driver():
    assert pd.PYNQ_AVAILABLE
    assert _ip_drivers[VLNV] is pd.PBitArrayIP
    assert issubclass(pd.PBitArrayIP, pynq.DefaultIP)
    desc = {"hierarchies": {}, "ip": ip_description()}
    _assign_drivers(desc, False, None)
    assert desc["ip"]["pbit_0"]["driver"] is pd.PBitArrayIP


@pytest.mark.parametrize("seed", [None, 7])
def test_board_run_is_bit_exact_with_golden(spec, device, seed, tmp_path):
    overlay = HwhOverlay(ip_description(), device, tmp_path)
    driver = pd.open_core(overlay, "pbit_array", spec=spec)
    ip = overlay.pbit_0
    assert isinstance(ip, pd.PBitArrayIP) and isinstance(ip.mmio, pynq.MMIO)
    assert ip.read(0) == PBIT_ARRAY_IDENT  # through pynq.MMIO and the device
    i_q = spec.quantize_inputs(I_REAL)
    samples = 400
    out = pd.run_pbit_array(driver, spec, {"I_q": i_q}, samples, seed=seed, allocate=pynq.allocate)
    golden = PBitArrayGolden(spec, seed=seed).run(i_q, samples)
    np.testing.assert_array_equal(out["m"], golden)
    assert device.buffers, "the sample buffer did not come from pynq.allocate"
    # Every INPUT write was read back: at least 2 transactions per p-bit input.
    assert device.transactions >= 2 * spec.n + 3 * samples


def test_inputs_land_at_regmap_offsets(spec, device, tmp_path):
    overlay = HwhOverlay(ip_description(), device, tmp_path)
    driver = pd.open_core(overlay, "pbit_array", spec=spec)
    i_q = spec.quantize_inputs(I_REAL)
    driver.set_inputs(i_q)
    mmio = pynq.MMIO(BASE, 0x10000, device=device)
    inp = spec.regmap["INPUT"]
    raw = [mmio.read(inp.offset + 4 * k) for k in range(spec.n)]
    assert raw == [int(v) & ((1 << inp.width) - 1) for v in i_q]  # two's complement, input_bits wide


def test_readback_mismatch_is_reported(spec, device, tmp_path):
    overlay = HwhOverlay(ip_description(), device, tmp_path)
    driver = pd.open_core(overlay, "pbit_array", spec=spec)
    offset = spec.regmap["INPUT"].address(2)
    device.stuck_low[offset] = 0x1  # bit 0 of INPUT[2] never reaches the core
    with pytest.raises(BusError, match=r"read-back mismatch: wrote 0x3 to INPUT\[2\] \(offset 0x48\)"):
        driver.regs.write("INPUT", 3, 2)


def test_done_flag_timeout(spec, device, tmp_path):
    overlay = HwhOverlay(ip_description(), device, tmp_path)
    driver = pd.open_core(overlay, "pbit_array", spec=spec)
    # 2**32 - 1 steps take hours of model time: STEPS_LEFT does not reach 0 within 0.2 s.
    driver.regs.write("STEP", 0xFFFF_FFFF)
    with pytest.raises(pd.DoneTimeout, match="STEPS_LEFT == 0 did not come within 0.2 s"):
        pd.wait_until(
            lambda: driver.regs.read("STEPS_LEFT"), lambda v: v == 0, timeout=0.2, what="STEPS_LEFT == 0"
        )


def test_ip_missing_or_wrong(spec, device, tmp_path):
    other = HwhOverlay(ip_description("xilinx.com:ip:axi_gpio:2.0", name="gpio"), device, tmp_path)
    with pytest.raises(
        pd.DeploymentError,
        match=r"IP spinemu.org:spinemu:pbit_array:1.0 is not in the "
        r"overlay; its IPs: gpio \(xilinx.com:ip:axi_gpio:2.0\)",
    ):
        pd.open_core(other, "pbit_array", spec=spec)
    with pytest.warns(UserWarning, match="ignore_version"):  # pynq's own complaint
        old = HwhOverlay(ip_description(VLNV.rpartition(":")[0] + ":0.9"), device, tmp_path)
    with pytest.raises(pd.DeploymentError, match="another version"):
        pd.open_core(old, "pbit_array", spec=spec)
    # Wrong base address in the .hwh: the ID check catches it (reads N = 8 instead).
    shifted = HwhOverlay(ip_description(phys_addr=BASE + 4), device, tmp_path)
    with pytest.raises(BusError, match="ID register reads 0x00000008"):
        pd.open_core(shifted, "pbit_array", spec=spec)


def test_overlay_files_checked(tmp_path):
    with pytest.raises(pd.DeploymentError, match="not found"):
        pd.check_overlay_files(tmp_path / "x.bit")
    (tmp_path / "x.bit").write_bytes(b"\0")
    with pytest.raises(pd.DeploymentError, match=r"x.hwh not found"):
        pd.open_overlay(tmp_path / "x.bit")
    with pytest.raises(pd.DeploymentError, match="must be a .bit"):
        pd.check_overlay_files(tmp_path / "x.hwh")


@pytest.fixture()
def overlay_dir(tmp_path, spec):
    folder = tmp_path / "overlay"
    folder.mkdir()
    (folder / "demo.bit").write_bytes(b"\0")
    (folder / "demo.hwh").write_text("<MODULES/>")
    (folder / "manifest.json").write_text(json.dumps({"spec": spec.to_dict()}))
    return folder


def test_build_then_run_writes_what_sim_writes(device, tmp_path, capsys):
    """`spinemu build`, Vivado (placeholder files), `spinemu run` on the board == `spinemu sim`."""
    from spinemu.gen.cli import DEMO_CONFIG

    cfg = tmp_path / "demo.toml"
    cfg.write_text(DEMO_CONFIG)
    out, info = build_overlay(cfg)  # with the placeholder files Vivado would have written
    bit = out / info["bitfile"]
    # The .hwh of bd.tcl's block design: the cell "core", the packaged VLNV, at core_base.
    device.base = info["core_base"]
    device.ip_dict = ip_description(info["vlnv"], phys_addr=info["core_base"], name="core")
    run_out, sim_out = tmp_path / "run.npz", tmp_path / "sim.npz"
    argv = ["--cycles", "300", "--seed", "11", "-o"]
    assert main(["run", str(cfg), "--board", "pynq-z2", "--bitfile", str(bit), *argv, str(run_out)]) == 0
    assert device.downloads == 1
    assert main(["sim", str(cfg), "--backend", "golden", *argv, str(sim_out)]) == 0
    ran, sim = np.load(run_out), np.load(sim_out)
    assert sorted(ran.files) == sorted(sim.files) == ["I_q", "m"]
    for key in sim.files:
        np.testing.assert_array_equal(ran[key], sim[key])
    assert "P(m=+1) measured" in capsys.readouterr().out


def test_cli_run_errors(overlay_dir, tmp_path, capsys):
    cfg = tmp_path / "other.toml"
    cfg.write_text('name = "other"\n[core]\nkind = "pbit"\n[pbit]\nn = 4\n')
    assert main(["run", str(cfg), "--board", "pynq-z2", "--bitfile", str(overlay_dir / "demo.bit")]) == 2
    assert "built from a different design" in capsys.readouterr().err
    (overlay_dir / "demo.hwh").unlink()
    assert main(["run", str(cfg), "--board", "pynq-z2", "--bitfile", str(overlay_dir / "demo.bit")]) == 2
    assert "demo.hwh not found" in capsys.readouterr().err
    assert main(["run", str(cfg), "--board", "zedboard", "--bitfile", str(overlay_dir / "demo.bit")]) == 2
    assert "unknown board" in capsys.readouterr().err
