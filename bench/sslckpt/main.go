// Command sslckpt pretrains GraphMAE or BGRL on Planetoid Cora with the
// preset of stdlib/ssl/cora.star and fits the preset's linear probe on the
// frozen embeddings every -every epochs, so a run that cannot finish in the
// time at hand still reports what its weights reach part-way. Training
// draws the same numbers as `ssl.train` (ssl.TrainGraphMAECheckpoints,
// ssl.TrainBGRLCheckpoints); the last line probes the weights that
// ssl.train returns (those of the lowest-loss epoch).
//
//	go build -o /tmp/sslckpt ./bench/sslckpt
//	/tmp/sslckpt -data "$PARE_DATA" -method graphmae -seed 0 -every 100
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"pare/ops/graph"
	"pare/ops/graph/eval"
	"pare/ops/ssl"
	"pare/ops/tensor"
)

// presets repeats stdlib/ssl/cora.star's TRAIN and PROBE entries for the
// two methods (see that file for the sources of each value).
func preset(method string) (ssl.Config, eval.LogRegOptions, error) {
	cfg, err := ssl.Defaults(method)
	if err != nil {
		return cfg, eval.LogRegOptions{}, err
	}
	switch method {
	case "graphmae":
		cfg.Encoder, cfg.Hidden, cfg.Heads, cfg.InDrop, cfg.AttnDrop = "gat", []int{512, 512}, 4, 0.2, 0.1
		cfg.LR, cfg.WeightDecay, cfg.LRSchedule, cfg.Epochs, cfg.Patience = 0.001, 0.0002, "cosine", 1500, 0
		cfg.MaskRate, cfg.ReplaceRate, cfg.Gamma, cfg.Optimizer = 0.5, 0.05, 3, "adam"
		return cfg, eval.LogRegOptions{Solver: "adam", LR: 0.01, WeightDecay: 0.0001, Steps: 300}, nil
	case "bgrl":
		cfg.Hidden, cfg.Optimizer, cfg.LR, cfg.WeightDecay = []int{512, 256}, "adamw", 0.0001, 0.00001
		cfg.Epochs, cfg.Patience, cfg.PE1, cfg.PE2, cfg.PF1, cfg.PF2, cfg.Tau0 = 4000, 1000, 0.4, 0.1, 0.1, 0.2, 0.99
		return cfg, eval.LogRegOptions{Solver: "adam", LR: 0.01, WeightDecay: 0, Steps: 100}, nil
	}
	return cfg, eval.LogRegOptions{}, fmt.Errorf("method %q; want graphmae or bgrl", method)
}

func main() {
	data := flag.String("data", os.Getenv("PARE_DATA"), "data folder holding graph/planetoid-cora.npz")
	method := flag.String("method", "graphmae", "graphmae or bgrl")
	seed := flag.Int("seed", 0, "training seed; the probe uses seeds 1000·seed + r")
	every := flag.Int("every", 100, "probe every this many epochs")
	runs := flag.Int("runs", 50, "probe repetitions")
	epochs := flag.Int("epochs", 0, "override the preset's epochs (0 keeps it; a test run only)")
	flag.Parse()
	if err := run(*data, *method, *seed, *every, *runs, *epochs); err != nil {
		fmt.Fprintln(os.Stderr, "sslckpt:", err)
		os.Exit(1)
	}
}

func run(data, method string, seed, every, runs, epochs int) error {
	if data == "" {
		return fmt.Errorf("no data folder: pass -data or set PARE_DATA")
	}
	g, err := graph.LoadNPZ(filepath.Join(data, "graph", "planetoid-cora.npz"))
	if err != nil {
		return err
	}
	cfg, probe, err := preset(method)
	if err != nil {
		return err
	}
	cfg.Seed = uint64(seed)
	if epochs > 0 {
		cfg.Epochs = epochs
	}
	fmt.Printf("%s seed %d: %+v\n", method, seed, cfg)
	start := time.Now()
	report := func(label string, emb *tensor.Tensor) error {
		n, d := emb.Shape()[0], emb.Shape()[1]
		var tests, vals []float64
		for r := 0; r < runs; r++ {
			o := probe
			o.Seed = uint64(1000*seed + r)
			pr, err := eval.LinearProbe(emb.Contiguous().Data(), n, d, g.Y, g.NumClasses, g.Split.Train, g.Split.Val, g.Split.Test, o)
			if err != nil {
				return err
			}
			tests = append(tests, 100*pr.TestAcc)
			vals = append(vals, 100*pr.ValAcc)
		}
		tm, ts := eval.MeanStd(tests)
		vm, _ := eval.MeanStd(vals)
		fmt.Printf("%s seed %d %s: test %.2f ± %.2f, val %.2f (%d probe runs, %s elapsed)\n",
			method, seed, label, tm, ts, vm, runs, time.Since(start).Round(time.Second))
		return nil
	}
	ckpt := func(epoch int, emb *tensor.Tensor) error {
		return report(fmt.Sprintf("epoch %d", epoch), emb)
	}
	var res *ssl.Result
	switch method {
	case "graphmae":
		res, err = ssl.TrainGraphMAECheckpoints(context.Background(), g, cfg, every, ckpt)
	case "bgrl":
		res, err = ssl.TrainBGRLCheckpoints(context.Background(), g, cfg, every, ckpt)
	}
	if err != nil {
		return err
	}
	last := math.NaN()
	if k := len(res.Train.Losses); k > 0 {
		last = res.Train.Losses[k-1]
	}
	fmt.Printf("%s seed %d: %d epochs run, lowest loss %.5f at epoch %d, last loss %.5f, %.1f ms/epoch\n",
		method, seed, len(res.Train.Losses), res.Train.BestLoss, res.Train.BestEpoch, last, res.EpochMS)
	return report(fmt.Sprintf("final (lowest-loss epoch %d)", res.Train.BestEpoch), res.Embeddings)
}
