package kg

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
)

// Query is a one-hop question (Topic, Relation, ?) with its gold answers:
// the tails of (Topic, Relation, ?) on the full graph, sorted by id.
type Query struct {
	ID       string
	User     int
	Topic    int32
	Relation int32
	Answers  []int32
}

// Answer appends to dst the answers of (topic, relation, ?) on a triple
// subset: the tails of the triples in subset with that head and relation,
// excluding the topic itself, sorted and without repeats. Only forward
// edges count.
func Answer(dst []int32, g *Graph, subset []int32, topic, relation int32) []int32 {
	start := len(dst)
	for _, i := range subset {
		if g.head[i] == topic && g.rel[i] == relation && g.tail[i] != topic {
			dst = append(dst, g.tail[i])
		}
	}
	seg := dst[start:]
	sort.Slice(seg, func(a, b int) bool { return seg[a] < seg[b] })
	n := 0
	for i, e := range seg {
		if i == 0 || e != seg[n-1] {
			seg[n] = e
			n++
		}
	}
	return dst[:start+n]
}

// queryRecord is the JSONL form of a Query, with names instead of ids.
type queryRecord struct {
	ID       string   `json:"id"`
	User     int      `json:"user"`
	Topic    string   `json:"topic"`
	Relation string   `json:"relation"`
	Answers  []string `json:"answers"`
}

// WriteQueries writes one JSON object per line:
// {"id", "user", "topic", "relation", "answers"} with entity and relation
// names.
func WriteQueries(w io.Writer, g *Graph, qs []Query) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, q := range qs {
		rec := queryRecord{ID: q.ID, User: q.User, Topic: g.EntityName(q.Topic), Relation: g.RelationName(q.Relation), Answers: make([]string, len(q.Answers))}
		for i, a := range q.Answers {
			rec.Answers[i] = g.EntityName(a)
		}
		if err := enc.Encode(&rec); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadQueries reads a JSONL query log written by WriteQueries. A line that is
// not such an object, or that names an entity or relation absent from g, is
// an error naming file and line. Answers are kept as stored (they are the
// gold set) and sorted by id.
func ReadQueries(r io.Reader, file string, g *Graph) ([]Query, error) {
	lr := newLineReader(r, file)
	var qs []Query
	for {
		line, err := lr.next()
		if err == io.EOF {
			return qs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		var rec queryRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: invalid query record: %w", file, lr.line, err)
		}
		q := Query{ID: rec.ID, User: rec.User}
		var ok bool
		if q.Topic, ok = g.Entities().Lookup(rec.Topic); !ok {
			return nil, fmt.Errorf("%s:%d: topic %q is not an entity of the graph", file, lr.line, rec.Topic)
		}
		if q.Relation, ok = g.Relations().Lookup(rec.Relation); !ok {
			return nil, fmt.Errorf("%s:%d: relation %q is not a relation of the graph", file, lr.line, rec.Relation)
		}
		for _, a := range rec.Answers {
			e, ok := g.Entities().Lookup(a)
			if !ok {
				return nil, fmt.Errorf("%s:%d: answer %q is not an entity of the graph", file, lr.line, a)
			}
			q.Answers = append(q.Answers, e)
		}
		sort.Slice(q.Answers, func(i, j int) bool { return q.Answers[i] < q.Answers[j] })
		qs = append(qs, q)
	}
}

// NewQuery builds the query (topic, relation, ?) with its answers on g. It
// fails when the topic or relation is out of range or the query has no
// answer.
func NewQuery(g *Graph, topic, relation int32) (Query, error) {
	if topic < 0 || int(topic) >= g.NumEntities() {
		return Query{}, fmt.Errorf("kg: topic id %d out of range [0, %d)", topic, g.NumEntities())
	}
	if relation < 0 || int(relation) >= g.NumRelations() {
		return Query{}, fmt.Errorf("kg: relation id %d out of range [0, %d)", relation, g.NumRelations())
	}
	q := Query{Topic: topic, Relation: relation, Answers: g.Tails(nil, topic, relation)}
	if len(q.Answers) == 0 {
		return Query{}, fmt.Errorf("kg: query (%s, %s, ?) has no answer", g.EntityName(topic), g.RelationName(relation))
	}
	return q, nil
}

// SimulateOptions sets up simulated users. The zero value is not valid; start
// from DefaultSimulateOptions.
type SimulateOptions struct {
	Users   int // number of users
	Queries int // queries per user
	Topics  int // topic entities per user; each gets ceil(Queries/Topics) consecutive queries
	// Shuffle shuffles each user's log, which breaks the evolving-interest
	// setting.
	Shuffle bool
	// RandomQueryProb replaces each query, with this probability, by one on
	// a uniformly random head entity.
	RandomQueryProb float64
	Seed            uint64
}

// DefaultSimulateOptions are the reference protocol's defaults: 200 queries
// over 20 topic entities (10 consecutive each), not shuffled.
func DefaultSimulateOptions() SimulateOptions {
	return SimulateOptions{Users: 1, Queries: 200, Topics: 20}
}

// Simulate generates query logs. For each user it draws Topics distinct
// topic entities uniformly from the head entities, then ceil(Queries/Topics)
// consecutive queries per topic, truncated to Queries in total. Each query
// asks for a uniformly random outgoing relation of its topic and is answered
// on the full graph. User u uses the random stream (Seed, u), so users are independent
// of how many are simulated.
func Simulate(ctx context.Context, g *Graph, opt SimulateOptions) ([][]Query, error) {
	if opt.Users < 1 || opt.Queries < 1 || opt.Topics < 1 {
		return nil, fmt.Errorf("kg: simulate: users, queries and topics must be positive, got %d, %d, %d", opt.Users, opt.Queries, opt.Topics)
	}
	if opt.RandomQueryProb < 0 || opt.RandomQueryProb > 1 {
		return nil, fmt.Errorf("kg: simulate: random query probability %g is outside [0, 1]", opt.RandomQueryProb)
	}
	heads := g.Heads(nil)
	if len(heads) < opt.Topics {
		return nil, fmt.Errorf("kg: simulate: %d topics requested but the graph has %d head entities", opt.Topics, len(heads))
	}
	per := (opt.Queries + opt.Topics - 1) / opt.Topics
	logs := make([][]Query, opt.Users)
	for u := range logs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(opt.Seed, uint64(u)))
		topics := sampleDistinct(rng, heads, opt.Topics)
		var rels []int32
		var qs []Query
		for _, topic := range topics {
			for k := 0; k < per && len(qs) < opt.Queries; k++ {
				h := topic
				if opt.RandomQueryProb > 0 && rng.Float64() < opt.RandomQueryProb {
					h = heads[rng.IntN(len(heads))]
				}
				rels = g.OutRelations(rels[:0], h)
				q, err := NewQuery(g, h, rels[rng.IntN(len(rels))])
				if err != nil {
					return nil, err
				}
				q.User = u
				qs = append(qs, q)
			}
		}
		if opt.Shuffle {
			rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
		}
		for i := range qs {
			qs[i].ID = fmt.Sprintf("u%d-q%d", u, i)
		}
		logs[u] = qs
	}
	return logs, nil
}

// sampleDistinct draws k distinct elements of pool uniformly (partial
// Fisher-Yates on a copy of the chosen positions).
func sampleDistinct(rng *rand.Rand, pool []int32, k int) []int32 {
	picked := make(map[int]int, k)
	out := make([]int32, k)
	for i := 0; i < k; i++ {
		j := i + rng.IntN(len(pool)-i)
		vj, ok := picked[j]
		if !ok {
			vj = j
		}
		vi, ok := picked[i]
		if !ok {
			vi = i
		}
		picked[j] = vi
		out[i] = pool[vj]
	}
	return out
}
