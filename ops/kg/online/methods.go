package online

import (
	"fmt"

	"pare/ops/kg"
	"pare/ops/kg/apex"
	"pare/ops/kg/baseline"
)

// MethodNames lists the methods that Methods builds, in report order.
var MethodNames = []string{"apex2", "apex2_n", "glimpse", "ppr", "frequent", "random"}

// MethodOptions configures the methods built by Methods.
type MethodOptions struct {
	Apex    apex.Options
	Glimpse baseline.GlimpseOptions
	PPR     baseline.PPROptions
	Seed    uint64 // random fill and the random baseline
}

// DefaultMethodOptions returns each method's defaults.
func DefaultMethodOptions() MethodOptions {
	return MethodOptions{Apex: apex.DefaultOptions(), Glimpse: baseline.DefaultGlimpseOptions(), PPR: baseline.DefaultPPROptions()}
}

// Methods returns factories for the named methods with budget k.
func Methods(g *kg.Graph, k int, names []string, opt MethodOptions) ([]Factory, error) {
	var out []Factory
	for _, name := range names {
		var f func() (kg.Summarizer, error)
		switch name {
		case "apex2":
			f = func() (kg.Summarizer, error) {
				o := opt.Apex
				o.Seed = opt.Seed
				return apex.NewTriples(g, k, o)
			}
		case "apex2_n":
			f = func() (kg.Summarizer, error) {
				o := opt.Apex
				o.Seed = opt.Seed
				return apex.NewNodes(g, k, o)
			}
		case "glimpse":
			f = func() (kg.Summarizer, error) {
				o := opt.Glimpse
				o.Seed = opt.Seed
				return baseline.NewGlimpse(g, k, o)
			}
		case "ppr":
			f = func() (kg.Summarizer, error) {
				o := opt.PPR
				o.Seed = opt.Seed
				return baseline.NewPPR(g, k, o)
			}
		case "frequent":
			f = func() (kg.Summarizer, error) { return baseline.NewFrequent(g, k, opt.Seed) }
		case "random":
			f = func() (kg.Summarizer, error) { return baseline.NewRandom(g, k, opt.Seed) }
		default:
			return nil, fmt.Errorf("online: method %q: want one of %v", name, MethodNames)
		}
		out = append(out, Factory{Name: name, New: f})
	}
	return out, nil
}
