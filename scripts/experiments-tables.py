#!/usr/bin/env python3
"""Prints a Markdown table of a sweep's summary.csv: the swept options, test accuracy (mean and
standard deviation over seeds), both errors, and the number of seeds.
Usage: scripts/experiments-tables.py sweeps/NAME/summary.csv"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
stats = {"runs", "count"}
swept = [k for k in rows[0] if not k.endswith(("_mean", "_std")) and k not in stats]
print("| " + " | ".join(swept) + " | test accuracy | abs. error | midpoint error | train accuracy | seeds |")
print("|" + "---|" * (len(swept) + 5))
for r in rows:
    cells = [r[k] for k in swept]
    cells.append(f"{float(r['test_accuracy_mean']):.1f} ± {float(r['test_accuracy_std']):.1f} %")
    cells.append(f"{float(r['test_abs_error_deg_mean']):.2f}°")
    cells.append(f"{float(r['test_midpoint_error_deg_mean']):.2f}°")
    cells.append(f"{float(r['train_accuracy_mean']):.1f} %")
    cells.append(r["count"])
    print("| " + " | ".join(cells) + " |")
