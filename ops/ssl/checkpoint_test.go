package ssl

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/graph"
	"pare/ops/tensor"
)

// TestCheckpointRunsMatchTrainNode checks that the checkpointed GraphMAE
// and BGRL runs draw the same numbers as TrainNode (equal losses and final
// embeddings) and call the checkpoint at the multiples of every.
func TestCheckpointRunsMatchTrainNode(t *testing.T) {
	type trainer func(context.Context, *graph.Graph, Config, int, Checkpoint) (*Result, error)
	cases := []struct {
		method string
		run    trainer
	}{
		{"graphmae", TrainGraphMAECheckpoints},
		{"bgrl", TrainBGRLCheckpoints},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			g := ringGraph(t, 12, 5, rand.New(rand.NewPCG(1, 1)))
			cfg := smallConfig(t, c.method)
			cfg.Epochs = 7
			want, err := TrainNode(context.Background(), g, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var epochs []int
			got, err := c.run(context.Background(), g, cfg, 3, func(epoch int, emb *tensor.Tensor) error {
				if emb.Shape()[0] != 12 {
					t.Errorf("checkpoint %d: embeddings shape %v, want 12 rows", epoch, emb.Shape())
				}
				epochs = append(epochs, epoch)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Train.Losses, want.Train.Losses) {
				t.Errorf("losses got %v, want TrainNode's %v", got.Train.Losses, want.Train.Losses)
			}
			if !slices.Equal(got.Embeddings.Data(), want.Embeddings.Data()) {
				t.Error("final embeddings differ from TrainNode's")
			}
			if !slices.Equal(epochs, []int{3, 6}) {
				t.Errorf("checkpoint epochs got %v, want [3 6]", epochs)
			}
		})
	}
}
