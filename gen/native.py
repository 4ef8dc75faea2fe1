"""Native Verilator model of a generated top level, driven from Python through ctypes.

``build_native(design)`` verilates the Verilog together with a generated C++ shim into
a shared library (cached by the hash of the Verilog, the shim and the flags: an
unchanged design never recompiles) and returns a :class:`NativeModel`.  The shim
exports:

* ``reset``, ``step`` (N clock cycles), ``set``/``get`` of any port (as 32-bit words);
* AXI4-Lite ``axil_write``/``axil_read`` transactions on the ``s_axi_*`` port, run
  entirely in C so a register access costs one ctypes call;
* recording: from ``record`` on, every clock edge after which ``valid`` is high
  appends the data port to a numpy buffer (also during bus transactions), and
  ``run_until_recorded`` ticks in C until enough records exist: bulk collection of
  output streams at native speed.

Inputs change between clock edges (as a synchronous testbench would); outputs are read
after the edge.

Speed: a tick evaluates the model once, at ``clk = 1``.  Of Verilator's evaluation at
``clk = 0`` only its update of the rising-edge detector matters (nothing is clocked on the
falling edge, and it re-ran the input-dependent logic for nothing), so the shim makes that
update itself when the model has the detector it knows (``__Vtrigprevexpr___TOP__clk__0``,
found at compile time) and the Verilog has no ``negedge``; otherwise it evaluates.  It
also calls the model's evaluation without ``Vtop::eval``'s per-call bookkeeping (a mutex,
deferred deletes, the message queue of threaded models), and runs only its clocked
regions: the logic that depends on inputs, which Verilator re-runs first in every
evaluation, is current at an edge because the shim evaluates the model after every input
it changes.  Together these took 21 % of the instructions of a 400-node reservoir clock
(callgrind: 5,915 -> 4,695 per clock; the rest is the model's own clocked logic).
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .cache import cache_root, content_key, locked
from .toolchain import ToolchainError, ensure_path, verilator_version
from .verilog import Port, VerilogDesign

__all__ = ["NativeModel", "build_native", "AXIError", "VERILATOR_FLAGS", "lint"]

#: Flags of the native build (part of the cache key).
VERILATOR_FLAGS = ("-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert")
#: Extra C++ flags.  For a large design Verilator's own -Os stays in force: the generated
#: code is long and straight (no loops), so its size decides the speed; appending -O2
#: made a 256-p-bit network (2 MB of Verilog) 1.6x slower (150 k instead of 247 k
#: clocks/s) and its build 35 % longer.  A small design fits the instruction cache either
#: way and gains from optimising: the 400-node reservoir (183 kB of logic) ran 1.25x faster
#: with -O2 than with -Os (2.4 M instead of 1.9 M clocks/s, measured in one process).  -O3
#: ran 5 % fewer instructions per clock than -O2 (callgrind: 3,686 instead of 3,878) but
#: its build takes 74 instead of 59 s, and the test suite builds dozens of small designs:
#: -O2 stays.
#: A huge design (over :data:`HUGE_DESIGN_BYTES` of logic) is built without optimisation:
#: the 1,024-p-bit parallel network (6.6 MB of logic) compiles in 53 s instead of 193 s
#: and runs 17 k instead of 82 k clocks/s; at that size a model is for checking a few
#: thousand sweeps, which the build dominates.
CXX_FLAGS = "-fPIC"
SMALL_DESIGN_CXX_FLAGS = "-fPIC -O2"
HUGE_DESIGN_CXX_FLAGS = "-fPIC -O0"
#: Size of a design's logic (its Verilog without memory initialisers) below which it is
#: built with :data:`SMALL_DESIGN_CXX_FLAGS`.
SMALL_DESIGN_BYTES = 300_000
#: Size of a design's logic above which it is built with :data:`HUGE_DESIGN_CXX_FLAGS`.
HUGE_DESIGN_BYTES = 4_000_000
#: One line of a memory's ``initial`` block (``  mem[12] = 85'h1f...;``): data the model
#: loads once, not code it runs every clock.
_MEMORY_INIT_LINE = re.compile(rb"^[ \t]+\S+\[\d+\] = \d+'[hbd][0-9a-fA-F_xz]+;\n", re.M)


def logic_bytes(verilog: bytes) -> int:
    """Bytes of ``verilog`` that describe logic: all but its memory initialiser lines."""
    return len(verilog) - sum(len(m) for m in _MEMORY_INIT_LINE.findall(verilog))


def cxx_flags(design: VerilogDesign) -> str:
    """The C++ flags of ``design``'s native build (by the size of its logic)."""
    size = logic_bytes(Path(design.path).read_bytes())
    if size < SMALL_DESIGN_BYTES:
        return SMALL_DESIGN_CXX_FLAGS
    return HUGE_DESIGN_CXX_FLAGS if size > HUGE_DESIGN_BYTES else CXX_FLAGS

#: Lint waivers, each with its reason (applied through a Verilator config file).
LINT_WAIVERS = {
    "DECLFILENAME": "Amaranth names files after the design, not the module",
    "UNUSEDSIGNAL": "yosys keeps unread bits of wide intermediate wires (e.g. AXI prot, "
                    "address bits [1:0], the carry of truncated adders)",
    "UNUSEDPARAM": "yosys emits parameters for its own cells",
    "PROCASSINIT": "Amaranth states every register's reset value as a declaration "
                   "initialiser (the FPGA power-up state) and also assigns it in always blocks",
    "WIDTHEXPAND": "yosys emits constants and operands narrower than the result (FSM state "
                   "compares, bit-select indices); Amaranth already fixed every width and extension",
    "WIDTHTRUNC": "yosys emits wider constants/operands than the target; truncation follows "
                  "Amaranth's defined semantics",
    "CASEINCOMPLETE": "yosys lowers Amaranth Switch/Case to casez whose default is the "
                      "assignment before it, so the missing default is intentional",
}

AXI_RESP = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}


class AXIError(RuntimeError):
    """An AXI4-Lite transaction answered an error response or timed out."""


def _shim_source(design: VerilogDesign) -> str:
    # Only designs clocked on the rising edge alone may skip the falling edge's evaluation.
    fast_fall = b"negedge" not in Path(design.path).read_bytes()
    get_cases, set_cases = [], []
    for idx, p in enumerate(design.ports):
        if p.width <= 32:
            get_cases.append(f"    case {idx}: out[0] = (uint32_t)t->{p.name}; break;")
            set_cases.append(f"    case {idx}: t->{p.name} = in[0]; break;")
        elif p.width <= 64:
            get_cases.append(f"    case {idx}: out[0] = (uint32_t)t->{p.name}; "
                             f"out[1] = (uint32_t)(t->{p.name} >> 32); break;")
            set_cases.append(f"    case {idx}: t->{p.name} = ((uint64_t)in[1] << 32) | in[0]; break;")
        else:
            get_cases.append(f"    case {idx}: for (int i = 0; i < {p.words}; i++) "
                             f"out[i] = t->{p.name}[i]; break;")
            set_cases.append(f"    case {idx}: for (int i = 0; i < {p.words}; i++) "
                             f"t->{p.name}[i] = in[i]; break;")
    names = {p.name for p in design.ports}
    has_axi = {"s_axi_awaddr", "s_axi_rdata"} <= names
    axi = ""
    if has_axi:
        axi = r"""
// One AXI4-Lite write: AW and W offered together, B accepted at once.
extern "C" int axil_write(void* h, uint32_t addr, uint32_t data, uint32_t strb, uint32_t timeout) {
    Sim* s = (Sim*)h; Vtop* t = s->top;
    t->s_axi_awaddr = addr; t->s_axi_awprot = 0; t->s_axi_awvalid = 1;
    t->s_axi_wdata = data; t->s_axi_wstrb = strb; t->s_axi_wvalid = 1; t->s_axi_bready = 1;
    for (uint32_t c = 0; c < timeout; c++) {
        t->eval();
        bool aw = t->s_axi_awvalid && t->s_axi_awready;
        bool w = t->s_axi_wvalid && t->s_axi_wready;
        bool b = t->s_axi_bvalid;
        int resp = t->s_axi_bresp;
        tick(s);
        if (aw) t->s_axi_awvalid = 0;
        if (w) t->s_axi_wvalid = 0;
        if (b) { t->s_axi_bready = 0; t->eval(); return resp; }
    }
    t->s_axi_awvalid = 0; t->s_axi_wvalid = 0; t->s_axi_bready = 0; t->eval();
    return -1;
}

// Many writes in order; returns the index of the first that failed (count if none).
extern "C" uint64_t axil_write_many(void* h, const uint32_t* addr, const uint32_t* data,
                                    uint64_t count, uint32_t timeout, int* resp_out) {
    for (uint64_t k = 0; k < count; k++) {
        int resp = axil_write(h, addr[k], data[k], 0xF, timeout);
        if (resp) { *resp_out = resp; return k; }
    }
    *resp_out = 0;
    return count;
}

// One AXI4-Lite read.
extern "C" int axil_read(void* h, uint32_t addr, uint32_t* data, uint32_t timeout) {
    Sim* s = (Sim*)h; Vtop* t = s->top;
    t->s_axi_araddr = addr; t->s_axi_arprot = 0; t->s_axi_arvalid = 1; t->s_axi_rready = 1;
    for (uint32_t c = 0; c < timeout; c++) {
        t->eval();
        bool ar = t->s_axi_arvalid && t->s_axi_arready;
        bool r = t->s_axi_rvalid;
        uint32_t d = t->s_axi_rdata; int resp = t->s_axi_rresp;
        tick(s);
        if (ar) t->s_axi_arvalid = 0;
        if (r) { t->s_axi_rready = 0; t->eval(); *data = d; return resp; }
    }
    t->s_axi_arvalid = 0; t->s_axi_rready = 0; t->eval();
    return -1;
}
"""
    fall = "fall_fast(s->top, s->top->rootp, 0)" if fast_fall else "fall_eval(s->top)"
    return f"""// Generated by spinemu: ctypes shim around the Verilated {design.top}.
#include <cstdint>
#include "Vtop.h"
#include "Vtop___024root.h"
#include "verilated.h"

// A clock edge costs one evaluation, not two (see gen/native.py, "Speed").  The rising
// edge runs the model's clocked regions alone: Vtop::eval would first re-run its
// input-dependent logic ("ico"), which is current here because every change of an input
// in this file is followed by a full Vtop::eval before the next edge (keep it so), and
// would do per-call bookkeeping (deferred deletes, the message queue of threaded models;
// neither is used here).  Weak references: a Verilator without these functions falls
// back to the model's whole evaluation, or to Vtop::eval.
bool Vtop___024root___eval_phase__act(Vtop___024root* vlSelf) __attribute__((weak));
bool Vtop___024root___eval_phase__nba(Vtop___024root* vlSelf) __attribute__((weak));
void Vtop___024root___eval(Vtop___024root* vlSelf) __attribute__((weak));
static inline void eval_edge(Vtop* t) {{
    Vtop___024root* r = t->rootp;
    if (Vtop___024root___eval_phase__act && Vtop___024root___eval_phase__nba) {{
        do {{ while (Vtop___024root___eval_phase__act(r)) {{}} }} while (Vtop___024root___eval_phase__nba(r));
    }} else if (Vtop___024root___eval) {{
        Vtop___024root___eval(r);
    }} else {{
        t->eval();
    }}
}}
// The falling edge: nothing is clocked on it, so instead of evaluating the model the
// edge detector's memory of the clock is set low (what that evaluation would do) when
// the model has one by that name; otherwise the model is evaluated.
static inline void fall_eval(Vtop* t) {{ t->clk = 0; t->eval(); }}
template <typename R>
static inline auto fall_fast(Vtop* t, R* r, int) -> decltype((void)(r->__Vtrigprevexpr___TOP__clk__0 = 0)) {{
    t->clk = 0; r->__Vtrigprevexpr___TOP__clk__0 = 0;
}}
template <typename R>
static inline void fall_fast(Vtop* t, R*, long) {{ fall_eval(t); }}

struct Sim {{
    VerilatedContext* ctx; Vtop* top; uint64_t cycles;
    // Recording: every tick with `rec_valid` high appends `rec_data` to `rec_buf`.
    // As a stream sink (`rec_ready` >= 0) it records the words taken instead (valid and
    // ready high before an edge) and, as a DMA transfer does, drives ready low after the
    // edge that takes the `rec_capacity`-th word or one with `rec_last` high
    // (`rec_ended`): later words wait in the core, nothing is lost.
    uint32_t* rec_buf; int rec_data; int rec_valid; int rec_ready; int rec_last; uint32_t rec_words;
    uint64_t rec_count; uint64_t rec_capacity; bool rec_ended;
    // Feeding: an input stream offered `feed_buf` word by word (valid high while words
    // remain); a word is taken on an edge where valid and ready were both high.
    const uint32_t* feed_buf; int feed_data; int feed_valid; int feed_ready; uint32_t feed_words;
    uint64_t feed_pos; uint64_t feed_count;
}};

static void get_port(Vtop* t, int idx, uint32_t* out) {{
    switch (idx) {{
{chr(10).join(get_cases)}
    default: break;
    }}
}}

static void set_port(Vtop* t, int idx, const uint32_t* in) {{
    switch (idx) {{
{chr(10).join(set_cases)}
    default: break;
    }}
}}

// Drive the feed's current word (valid low once all are taken).
static void feed_offer(Sim* s) {{
    uint32_t offer = s->feed_pos < s->feed_count;
    if (offer) set_port(s->top, s->feed_data, s->feed_buf + s->feed_pos * s->feed_words);
    set_port(s->top, s->feed_valid, &offer);
    s->top->eval();
}}

// One clock.  Every entry point evaluates the model after changing an input, so the
// outputs (the feed's `ready` included) are current here without another eval.
static inline void tick(Sim* s) {{
    bool took = false, sank = false;
    if (s->rec_buf && s->rec_ready >= 0 && !s->rec_ended) {{
        uint32_t v = 0, r = 0;
        get_port(s->top, s->rec_valid, &v);
        get_port(s->top, s->rec_ready, &r);
        if ((v & 1) && (r & 1)) {{
            get_port(s->top, s->rec_data, s->rec_buf + s->rec_count * s->rec_words);
            uint32_t last = 0;
            if (s->rec_last >= 0) get_port(s->top, s->rec_last, &last);
            s->rec_count++;
            s->rec_ended = s->rec_count == s->rec_capacity || (last & 1);
            sank = true;
        }}
    }}
    if (s->feed_buf) {{
        uint32_t ready = 0;
        get_port(s->top, s->feed_ready, &ready);
        took = s->feed_pos < s->feed_count && (ready & 1);
    }}
    s->top->clk = 1; eval_edge(s->top);
    {fall};
    s->cycles++;
    if (took) {{ s->feed_pos++; feed_offer(s); }}
    if (sank && s->rec_ended) {{
        uint32_t zero = 0; set_port(s->top, s->rec_ready, &zero); s->top->eval();
    }}
    if (s->rec_buf && s->rec_ready < 0) {{
        uint32_t v = 0;
        get_port(s->top, s->rec_valid, &v);
        if ((v & 1) && s->rec_count < s->rec_capacity) {{
            get_port(s->top, s->rec_data, s->rec_buf + s->rec_count * s->rec_words);
            s->rec_count++;
        }}
    }}
}}

extern "C" void* sim_new() {{
    Sim* s = new Sim;
    s->ctx = new VerilatedContext;
    s->top = new Vtop{{s->ctx}};
    s->cycles = 0; s->rec_buf = nullptr; s->rec_count = 0; s->rec_capacity = 0;
    s->rec_ready = -1; s->rec_last = -1; s->rec_ended = false;
    s->feed_buf = nullptr; s->feed_pos = 0; s->feed_count = 0;
    s->top->clk = 0; s->top->rst = 0; s->top->eval();
    return s;
}}

extern "C" void sim_free(void* h) {{
    Sim* s = (Sim*)h; s->top->final(); delete s->top; delete s->ctx; delete s;
}}

extern "C" void sim_step(void* h, uint64_t n) {{
    Sim* s = (Sim*)h; for (uint64_t i = 0; i < n; i++) tick(s);
}}

extern "C" uint64_t sim_cycles(void* h) {{ return ((Sim*)h)->cycles; }}

extern "C" void sim_reset(void* h, uint32_t n) {{
    Sim* s = (Sim*)h; s->top->rst = 1; s->top->eval(); for (uint32_t i = 0; i < n; i++) tick(s);
    s->top->rst = 0; s->top->eval();
}}

extern "C" void sim_get(void* h, int idx, uint32_t* out) {{
    Sim* s = (Sim*)h; s->top->eval(); get_port(s->top, idx, out);
}}

extern "C" void sim_set(void* h, int idx, const uint32_t* in) {{
    Vtop* t = ((Sim*)h)->top;
    set_port(t, idx, in);
    t->eval();
}}

// Offer `count` words of `words` 32-bit words each on an input stream (buf = nullptr:
// stop, valid low).
extern "C" void sim_feed(void* h, int data_idx, int valid_idx, int ready_idx, uint32_t words,
                         uint64_t count, const uint32_t* buf) {{
    Sim* s = (Sim*)h;
    if (!buf && s->feed_buf) {{ uint32_t zero = 0; set_port(s->top, s->feed_valid, &zero); s->top->eval(); }}
    s->feed_buf = buf; s->feed_data = data_idx; s->feed_valid = valid_idx; s->feed_ready = ready_idx;
    s->feed_words = words; s->feed_count = count; s->feed_pos = 0;
    if (buf) feed_offer(s);
}}

extern "C" uint64_t sim_fed(void* h) {{ return ((Sim*)h)->feed_pos; }}

extern "C" void sim_record(void* h, int data_idx, int valid_idx, int ready_idx, int last_idx,
                           uint32_t words, uint64_t capacity, uint32_t* buf) {{
    Sim* s = (Sim*)h; s->rec_buf = buf; s->rec_data = data_idx; s->rec_valid = valid_idx;
    s->rec_ready = ready_idx; s->rec_last = last_idx; s->rec_ended = false;
    s->rec_words = words; s->rec_capacity = capacity; s->rec_count = 0;
}}

extern "C" uint64_t sim_recorded(void* h) {{ return ((Sim*)h)->rec_count; }}

extern "C" int sim_record_ended(void* h) {{ return ((Sim*)h)->rec_ended; }}

// Tick until `count` records exist (or `max_cycles` ticks); return the record count.
extern "C" uint64_t sim_run_until(void* h, uint64_t count, uint64_t max_cycles) {{
    Sim* s = (Sim*)h;
    for (uint64_t c = 0; c < max_cycles && s->rec_count < count; c++) tick(s);
    return s->rec_count;
}}
{axi}"""


def lint(design: VerilogDesign) -> list[str]:
    """Run ``verilator --lint-only -Wall`` with the documented waivers; return warnings."""
    env = ensure_path()
    folder = design.path.parent
    waivers = folder / "lint_waivers.vlt"
    waivers.write_text("`verilator_config\n" + "".join(
        f"// {reason}\nlint_off -rule {rule}\n" for rule, reason in LINT_WAIVERS.items()))
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", design.top, str(waivers),
         str(design.path)], capture_output=True, text=True, env=env, cwd=folder)
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("%")]
    if proc.returncode and not lines:
        lines = [proc.stderr.strip() or f"verilator exited {proc.returncode}"]
    return lines


def build_native(design: VerilogDesign, *, quiet: bool = True) -> NativeModel:
    """Verilate ``design`` into a shared library (cached) and load it.

    Raises
    ------
    ToolchainError
        If Verilator or the C++ compiler is missing or the build fails.
    """
    if shutil.which("g++") is None and shutil.which("c++") is None:
        raise ToolchainError("no C++ compiler found: install g++ (and make) to build native models")
    env = ensure_path()
    shim = _shim_source(design)
    flags = cxx_flags(design)
    key = content_key(design.digest, shim, VERILATOR_FLAGS, flags, verilator_version())
    folder = cache_root() / "native" / f"{design.top}-{key}"
    lib = folder / "libsim.so"
    with locked(cache_root() / "native" / f"{design.top}-{key}.lock"):
        if not lib.exists():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "shim.cpp").write_text(shim)
            shutil.copy(design.path, folder / "top.v")
            cmd = ["verilator", "--cc", "--exe", "--build", "-j", "2", *VERILATOR_FLAGS,
                   "-Wno-fatal", "--prefix", "Vtop", "--top-module", design.top,
                   "-CFLAGS", flags, "-LDFLAGS", "-shared", "-o", "libsim.so.tmp",
                   # The PyPI wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which
                   # breaks designs big enough to be split into several .cpp files.
                   "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include",
                   "--Mdir", "obj", "top.v", "shim.cpp"]
            proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, env=env)
            built = folder / "obj" / "libsim.so.tmp"
            if proc.returncode or not built.exists():
                raise ToolchainError(
                    f"Verilator build of {design.top} failed (exit {proc.returncode}):\n"
                    + (proc.stdout + proc.stderr)[-4000:])
            built.rename(lib)
            shutil.rmtree(folder / "obj", ignore_errors=True)
    return NativeModel(lib, design)


class NativeModel:
    """A running instance of a Verilated top level.

    Parameters
    ----------
    lib_path : Path
        The shared library built by :func:`build_native`.
    design : VerilogDesign
        Port names and widths.
    """

    def __init__(self, lib_path: Path, design: VerilogDesign):
        self.design = design
        self._lib = lib = ctypes.CDLL(str(lib_path))
        u32p = ctypes.POINTER(ctypes.c_uint32)
        lib.sim_new.restype = ctypes.c_void_p
        lib.sim_free.argtypes = [ctypes.c_void_p]
        lib.sim_step.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
        lib.sim_cycles.argtypes = [ctypes.c_void_p]
        lib.sim_cycles.restype = ctypes.c_uint64
        lib.sim_reset.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        lib.sim_get.argtypes = [ctypes.c_void_p, ctypes.c_int, u32p]
        lib.sim_set.argtypes = [ctypes.c_void_p, ctypes.c_int, u32p]
        lib.sim_record.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                   ctypes.c_uint32, ctypes.c_uint64, u32p]
        lib.sim_record_ended.argtypes = [ctypes.c_void_p]
        lib.sim_recorded.argtypes = [ctypes.c_void_p]
        lib.sim_recorded.restype = ctypes.c_uint64
        lib.sim_run_until.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
        lib.sim_run_until.restype = ctypes.c_uint64
        lib.sim_feed.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_uint32,
                                 ctypes.c_uint64, u32p]
        lib.sim_fed.argtypes = [ctypes.c_void_p]
        lib.sim_fed.restype = ctypes.c_uint64
        self._rec = None
        self._feed = None
        self.has_axi = hasattr(lib, "axil_write")
        if self.has_axi:
            lib.axil_write.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32,
                                       ctypes.c_uint32, ctypes.c_uint32]
            lib.axil_read.argtypes = [ctypes.c_void_p, ctypes.c_uint32, u32p, ctypes.c_uint32]
            lib.axil_write_many.argtypes = [ctypes.c_void_p, u32p, u32p, ctypes.c_uint64, ctypes.c_uint32,
                                            ctypes.POINTER(ctypes.c_int)]
            lib.axil_write_many.restype = ctypes.c_uint64
        self._index = {p.name: i for i, p in enumerate(design.ports)}
        self._h = lib.sim_new()
        self.reset()

    def close(self) -> None:
        if self._h:
            self._lib.sim_free(self._h)
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _port(self, name: str) -> tuple[int, Port]:
        try:
            i = self._index[name]
        except KeyError:
            raise KeyError(f"{self.design.top} has no port {name!r}; ports: "
                           f"{', '.join(self._index)}") from None
        return i, self.design.ports[i]

    @property
    def cycles(self) -> int:
        """Clock cycles since the model was created."""
        return int(self._lib.sim_cycles(self._h))

    def reset(self, cycles: int = 2) -> None:
        """Hold ``rst`` high for ``cycles`` clock edges."""
        self._lib.sim_reset(self._h, cycles)

    def step(self, cycles: int = 1) -> None:
        """Advance ``cycles`` clock cycles."""
        self._lib.sim_step(self._h, cycles)

    def get(self, name: str) -> int:
        """Current value of a port."""
        i, p = self._port(name)
        buf = (ctypes.c_uint32 * p.words)()
        self._lib.sim_get(self._h, i, buf)
        return sum(int(w) << (32 * k) for k, w in enumerate(buf))

    def set(self, name: str, value: int) -> None:
        """Drive an input port (takes effect at the next clock edge)."""
        i, p = self._port(name)
        if p.direction != "in":
            raise ValueError(f"port {name!r} is an output")
        value = int(value) & ((1 << p.width) - 1)
        buf = (ctypes.c_uint32 * p.words)(*[(value >> (32 * k)) & 0xFFFFFFFF for k in range(p.words)])
        self._lib.sim_set(self._h, i, buf)

    def record(
        self, data: str, valid: str, capacity: int, *, ready: str | None = None, last: str | None = None
    ) -> None:
        """Start recording ``data`` on every clock edge after which ``valid`` is high.

        Recording runs inside every tick, including those of bus transactions, so no
        sample is lost between a register write that starts the core and the collection.
        With ``ready`` (an input port) it is a stream sink, as a DMA transfer of
        ``capacity`` words: it records the words taken (``valid`` and ``ready`` high at an
        edge) and drives ``ready`` low after the edge that takes the ``capacity``-th word,
        or one with ``last`` high (:attr:`record_ended`); later words wait in the core.
        """
        di, dp = self._port(data)
        vi, _ = self._port(valid)
        ri = -1 if ready is None else self._port(ready)[0]
        li = -1 if last is None else self._port(last)[0]
        buf = np.zeros((capacity, dp.words), dtype=np.uint32)
        self._rec = buf
        self._lib.sim_record(self._h, di, vi, ri, li, dp.words, capacity,
                             buf.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)))

    @property
    def recorded(self) -> int:
        """Number of records so far."""
        return int(self._lib.sim_recorded(self._h)) if self._rec is not None else 0

    @property
    def record_ended(self) -> bool:
        """A stream sink's transfer has ended (its last word or a ``last`` word taken)."""
        return bool(self._lib.sim_record_ended(self._h)) if self._rec is not None else False

    def run_until_recorded(self, count: int, *, max_cycles: int | None = None) -> int:
        """Tick until ``count`` records exist; raise if ``max_cycles`` pass first."""
        if self._rec is None:
            raise RuntimeError("call record() first")
        if count > len(self._rec):
            raise ValueError(f"count {count} exceeds the recording capacity {len(self._rec)}")
        limit = 4 * count + 1000 if max_cycles is None else max_cycles
        got = int(self._lib.sim_run_until(self._h, count, limit))
        if got < count:
            raise RuntimeError(f"only {got} of {count} records after {limit} more cycles")
        return got

    def feed(self, data: str, valid: str, ready: str, words) -> None:
        """Offer ``words`` on the input stream ``data``/``valid``/``ready``, one per clock
        while ``ready`` is high (AXI4-Stream rules; ``valid`` drops after the last word).

        ``words``: integers (one per transfer, at most 32 bits) or an array of shape
        ``(count, port words)`` of uint32.  The model keeps a reference until
        :meth:`stop_feeding`; :attr:`fed` counts the words taken.
        """
        di, dp = self._port(data)
        vi, _ = self._port(valid)
        ri, _ = self._port(ready)
        arr = np.asarray(words)
        if arr.ndim == 1:
            arr = (arr.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)[:, None]
        arr = np.ascontiguousarray(arr, dtype=np.uint32)
        if arr.ndim != 2 or arr.shape[1] != dp.words:
            raise ValueError(f"words for {data} must have shape (count, {dp.words}), not {arr.shape}")
        self._feed = arr
        self._lib.sim_feed(self._h, di, vi, ri, dp.words, arr.shape[0],
                           arr.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)))

    @property
    def fed(self) -> int:
        """Words of the current :meth:`feed` taken so far."""
        return int(self._lib.sim_fed(self._h)) if self._feed is not None else 0

    def stop_feeding(self) -> int:
        """Stop offering words (``valid`` low); return how many were taken."""
        n = self.fed
        self._lib.sim_feed(self._h, 0, 0, 0, 0, 0, None)
        self._feed = None
        return n

    def stop_recording(self) -> np.ndarray:
        """Stop recording; return the records, shape (count, words), uint32.

        Word ``k`` of a record holds bits ``32k..32k+31`` of the data port.
        """
        if self._rec is None:
            raise RuntimeError("not recording")
        n = self.recorded
        self._lib.sim_record(self._h, 0, 0, -1, -1, 0, 0, None)
        buf, self._rec = self._rec, None
        return buf[:n].copy()

    def collect(self, data: str, valid: str, count: int, *, max_cycles: int | None = None) -> np.ndarray:
        """Record ``count`` values of ``data`` (cycles with ``valid`` high) from now on."""
        self.record(data, valid, count)
        try:
            self.run_until_recorded(count, max_cycles=max_cycles)
        finally:
            out = self.stop_recording()
        return out

    # -- AXI4-Lite ----------------------------------------------------------------------
    def axil_write(self, addr: int, data: int, strb: int = 0xF, *, timeout: int = 1000,
                   check: bool = True) -> int:
        """One AXI4-Lite write; returns the response code (raises on error if ``check``)."""
        resp = self._lib.axil_write(self._h, addr, data & 0xFFFFFFFF, strb, timeout)
        if resp < 0:
            raise AXIError(f"write to {addr:#x} timed out after {timeout} cycles")
        if check and resp:
            raise AXIError(f"write to {addr:#x} answered {AXI_RESP[resp]}")
        return resp

    def axil_write_many(self, addrs, data, *, timeout: int = 1000) -> tuple[int, int]:
        """Writes ``data[k]`` to ``addrs[k]`` in order, in C (one ctypes call).

        Returns ``(done, resp)``: the number written before the first error response
        (``len(addrs)`` if none) and that response code (0 if none).
        """
        a = np.ascontiguousarray(addrs, dtype=np.uint32)
        d = np.ascontiguousarray(data, dtype=np.uint32)
        if a.shape != d.shape or a.ndim != 1:
            raise ValueError(f"addrs and data must be 1-D of one length, not {a.shape} and {d.shape}")
        resp = ctypes.c_int(0)
        u32p = ctypes.POINTER(ctypes.c_uint32)
        done = self._lib.axil_write_many(
            self._h, a.ctypes.data_as(u32p), d.ctypes.data_as(u32p), a.size, timeout, ctypes.byref(resp)
        )
        if resp.value < 0:
            raise AXIError(f"write to {int(a[done]):#x} timed out after {timeout} cycles")
        return int(done), int(resp.value)

    def axil_read(self, addr: int, *, timeout: int = 1000, check: bool = True) -> tuple[int, int]:
        """One AXI4-Lite read; returns ``(data, response code)``."""
        buf = ctypes.c_uint32()
        resp = self._lib.axil_read(self._h, addr, ctypes.byref(buf), timeout)
        if resp < 0:
            raise AXIError(f"read of {addr:#x} timed out after {timeout} cycles")
        if check and resp:
            raise AXIError(f"read of {addr:#x} answered {AXI_RESP[resp]}")
        return int(buf.value), resp
