#!/usr/bin/env python3
"""Makes the flame profiles of core/tests/label.rs (`real_*` tests) with Cantera.

The study's lifted flame burns H2:N2 = 65:35 by volume (Y_H2 = 0.11789, 400 K) in air
(Y_O2 = 0.233, 850 K) at 1 atm (REFERENCE.md section 1). This script computes, with
Cantera's H2/O2 mechanism `h2o2.yaml` (10 species, close to the Li mechanism):

- premixed_h2_z{012,020,030}.csv: freely propagating premixed flames of the two streams
  mixed at Z = 0.12, 0.20, 0.30 (equivalence ratio 0.55, 1.0, 1.7), at the mixing
  temperature 400 Z + 850 (1 - Z) K;
- counterflow_h2n2_air.csv: a counterflow diffusion flame, fuel stream from x = 0, air
  from x = 2 cm, mass fluxes 0.3 and 0.332 kg/m^2/s (equal momentum).

Each CSV has one row per grid point (Cantera's refined, non-uniform grid) and the columns
x_m, T_K, hrr_W_m3, Y_H2, Y_O2, Y_H2O, Y_H, Y_O, Y_OH, Y_HO2, Y_H2O2, Y_N2.

Run: python3 core/tests/data/make_flames.py   (Cantera 3.x; made with 3.2.0)
"""

import os

import cantera as ct

HERE = os.path.dirname(os.path.abspath(__file__))
FUEL = "H2:0.11789, N2:0.88211"
AIR = "O2:0.233, N2:0.767"
SPECIES = ["H2", "O2", "H2O", "H", "O", "OH", "HO2", "H2O2", "N2"]


def write(name, flame):
    path = os.path.join(HERE, name)
    cols = ["x_m", "T_K", "hrr_W_m3"] + ["Y_" + s for s in SPECIES]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for i, x in enumerate(flame.grid):
            row = [x, flame.T[i], flame.heat_release_rate[i]]
            row += [flame.Y[flame.gas.species_index(s), i] for s in SPECIES]
            f.write(",".join(f"{v:.9e}" for v in row) + "\n")
    print(f"{path}: {len(flame.grid)} points")


def mixed(z):
    """Mass fractions of the streams mixed at mixture fraction z."""
    fuel, air = ct.Solution("h2o2.yaml"), ct.Solution("h2o2.yaml")
    fuel.Y, air.Y = FUEL, AIR
    return {s: z * fuel[s].Y[0] + (1 - z) * air[s].Y[0] for s in ["H2", "O2", "N2"]}


def premixed(z, name):
    gas = ct.Solution("h2o2.yaml")
    gas.TPY = 400 * z + 850 * (1 - z), ct.one_atm, mixed(z)
    flame = ct.FreeFlame(gas, width=0.01)
    flame.set_refine_criteria(ratio=3, slope=0.05, curve=0.1)
    flame.solve(loglevel=0, auto=True)
    write(name, flame)


def counterflow(name):
    gas = ct.Solution("h2o2.yaml")
    gas.TP = 850, ct.one_atm
    flame = ct.CounterflowDiffusionFlame(gas, width=0.02)
    flame.fuel_inlet.mdot = 0.3
    flame.fuel_inlet.Y = FUEL
    flame.fuel_inlet.T = 400
    flame.oxidizer_inlet.mdot = 0.332
    flame.oxidizer_inlet.Y = AIR
    flame.oxidizer_inlet.T = 850
    flame.set_refine_criteria(ratio=3, slope=0.05, curve=0.1)
    flame.solve(loglevel=0, auto=True)
    write(name, flame)


if __name__ == "__main__":
    for z, tag in [(0.12, "012"), (0.20, "020"), (0.30, "030")]:
        premixed(z, f"premixed_h2_z{tag}.csv")
    counterflow("counterflow_h2n2_air.csv")
