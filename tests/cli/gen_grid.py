"""Writes a grid scenario big enough that thousands of shipments are due in every step, so
that the parallel shipment phase really runs on several threads. Usage: gen_grid.py DIR N."""
import os
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = random.Random(4)
nid = lambda r, c: f"n{r}_{c}"
with open(f"{out}/nodes.csv", "w") as f:
    f.write("id,name,kind,lat,lon,controller\n")
    for r in range(n):
        for c in range(n):
            kind = "mine" if c == 0 else "gate" if c == n - 2 else "market" if c == n - 1 else "town"
            f.write(f"{nid(r, c)},{nid(r, c)},{kind},{r * 0.1:.3f},{c * 0.1:.3f},g{r % 3}\n")
with open(f"{out}/edges.csv", "w") as f:
    f.write("from,to,km,road,capacity_t_per_day\n")
    for r in range(n):
        for c in range(n):
            if c + 1 < n:
                f.write(f"{nid(r, c)},{nid(r, c + 1)},{rng.randint(5, 60)},road,\n")
            if r + 1 < n:
                cap = 400 if c == n - 2 else ""
                f.write(f"{nid(r, c)},{nid(r + 1, c)},{rng.randint(5, 60)},road,{cap}\n")
with open(f"{out}/mines.csv", "w") as f:
    f.write("node,output_t_per_day,grade_Dy2O3,grade_Tb4O7\n")
    for r in range(n):
        f.write(f"{nid(r, 0)},{600 + 50 * r},0.037,0.0057\n")
with open(f"{out}/events.csv", "w") as f:
    f.write("day,kind,target,days,group\n")
    f.write(f"1.5,close,{nid(n // 2, n - 2)},2,\n")
    f.write(f"2,cut,{nid(1, 3)},3,\n")
    f.write(f"2.25,contest,{nid(2, 2)},4,\n")
    f.write(f"3,capture,{nid(3, 3)},,g1\n")
    f.write(f"4,destroy,{nid(4, 2)},2,\n")
with open(f"{out}/grid.yaml", "w") as f:
    f.write(f"""name: grid
start: 2025-01-01
days: 8
step_hours: 3
seed: 11
network: {{nodes: nodes.csv, edges: edges.csv}}
mines: mines.csv
events: events.csv
roads: {{road: {{speed_kmh: 20}}}}
transport: {{truck_t: 1, gate_clearance_hours: 2, contested_speed_factor: 0.4}}
groups: {{g0: {{toll_usd_per_t: 10}}, g1: {{toll_usd_per_t: 25}}}}
market:
  processing_days: 2
  products:
    Dy2O3: {{price_usd_per_kg: 230, demand_t_per_day: 500, other_supply_t_per_day: 100}}
    Tb4O7: {{price_usd_per_kg: 950, demand_t_per_day: 80, other_supply_t_per_day: 20}}
""")
