#!/usr/bin/python3
"""Print the Markdown result tables of docs/nirvana.md from a recipe output folder.

    /usr/bin/python3 bench/prune_table.py <out folder of recipes/nirvana_stories260k.star>
"""
import json
import os
import sys


def load(out, name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def main():
    out = sys.argv[1]
    m = load(out, "metrics.json")
    short = load(out, "shortgpt.json")
    d = m["dense"]
    print("| method | sparsity | decoder params kept | all params kept | PPL TinyStories | PPL WikiText-2 | last-word acc | KL(dense ‖ pruned) |")
    print("|---|---|---|---|---|---|---|---|")
    print("| dense | 0 | 1.000 | 1.000 | %.2f | %.1f | %.3f | 0 |" % (d["ppl_tinystories"], d["ppl_wikitext2"], d["lastword_acc"]))
    rows = [(c, s, v) for c, by in m["methods"].items() for s, v in by.items()]
    rows += [("shortgpt", s, v) for s, v in short.items()]
    for c, s, v in sorted(rows, key=lambda r: (r[1], r[2]["ppl_tinystories"])):
        print("| %s | %s | %.3f | %.3f | %.2f | %.1f | %.3f | %.3f |" % (
            c, s, v["params_kept_decoder"], v["params_kept_total"], v["ppl_tinystories"], v["ppl_wikitext2"],
            v["lastword_acc"], v["kl"]))
    print()
    sel = load(out, "kl_selection.json")
    print("| sparsity | seed | KL(dense ‖ pruned) | PPL TinyStories | chosen |")
    print("|---|---|---|---|---|")
    for s, v in sel.items():
        for c in v["candidates"]:
            print("| %s | %d | %.4f | %.2f | %s |" % (s, c["seed"], c["kl"], c["ppl_tinystories"], "yes" if c["seed"] == v["chosen_seed"] else ""))
        print("| %s | median | | %.2f | |" % (s, v["median_ppl_tinystories"]))
    print()
    abl = load(out, "ablations.json")
    if abl:
        print("| sparsity | criterion/allocation[/reduction] | decoder params kept | PPL TinyStories | KL |")
        print("|---|---|---|---|---|")
        for s, by in abl.items():
            for name, v in by.items():
                print("| %s | %s | %.3f | %.2f | %.3f |" % (s, name, v["params_kept_decoder"], v["ppl_tinystories"], v["kl"]))
        print()
    rec = m["recovery"]
    full = load(out, "recovery_full.json")
    if rec:
        print("| criterion | sparsity | PPL before | PPL after LoRA | PPL after full fine-tuning |")
        print("|---|---|---|---|---|")
        for c, by in rec.items():
            for s, v in by.items():
                print("| %s | %s | %.2f | %.2f | %.2f |" % (c, s, m["methods"][c][s]["ppl_tinystories"], v["ppl_tinystories"], full[c][s]["ppl_tinystories"]))


if __name__ == "__main__":
    main()
