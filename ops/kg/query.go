package kg

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
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
// sorted and without repeats. Only forward edges count. The topic itself is
// an answer when its self-loop (topic, relation, topic) is in the subset, so
// that answers on the full graph equal the gold answers of NewQuery. The
// reference code drops the topic from the predicted answers but keeps it in
// the gold set, so such an answer can never score there.
func Answer(dst []int32, g *Graph, subset []int32, topic, relation int32) []int32 {
	start := len(dst)
	for _, i := range subset {
		if g.head[i] == topic && g.rel[i] == relation {
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

// queryInput is queryRecord as read, with pointers to tell a missing field
// from a zero value.
type queryInput struct {
	ID       *string   `json:"id"`
	User     *int      `json:"user"`
	Topic    *string   `json:"topic"`
	Relation *string   `json:"relation"`
	Answers  *[]string `json:"answers"`
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

// ReadQueriesOptions controls how ReadQueries treats gold answers that the
// graph does not give.
type ReadQueriesOptions struct {
	// AllowForeignAnswers keeps a gold answer that is an entity of the graph
	// but not a tail of (topic, relation, ?) on it, and counts it in
	// QueryReport.ForeignAnswers. By default such an answer is an error. No
	// summary of the graph can return it, so it always counts as a miss.
	AllowForeignAnswers bool
}

// QueryReport counts what ReadQueries read.
type QueryReport struct {
	Records int
	// ForeignAnswers counts the kept gold answers that are not tails of
	// their (topic, relation, ?) on the graph, and ForeignExamples quotes
	// the first few as "file:line: ...".
	ForeignAnswers  int
	ForeignExamples []string
}

// ReadQueries reads a JSONL query log written by WriteQueries. Every record
// needs all five fields and no others: a non-empty id unique in the file, a
// user >= 0, a topic and relation of g, and a non-empty list of distinct
// answers, each an entity of g and, unless opt.AllowForeignAnswers, a tail
// of (topic, relation, ?) on g. Any other record is an error naming file and
// line. Answers are kept as stored (they are the gold set) and sorted by id.
func ReadQueries(r io.Reader, file string, g *Graph, opt ReadQueriesOptions) ([]Query, *QueryReport, error) {
	lr := newLineReader(r, file)
	rep := &QueryReport{}
	ids := map[string]int{}
	var qs []Query
	var tails []int32
	for {
		line, err := lr.next()
		if err == io.EOF {
			return qs, rep, nil
		}
		if err != nil {
			return nil, rep, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, lr.line, fmt.Sprintf(format, args...))
		}
		rec, err := decodeQueryRecord(line)
		if err != nil {
			return nil, rep, fail("invalid query record: %v", err)
		}
		if prev, ok := ids[*rec.ID]; ok {
			return nil, rep, fail("id %q repeats the record of line %d", *rec.ID, prev)
		}
		ids[*rec.ID] = lr.line
		q := Query{ID: *rec.ID, User: *rec.User}
		var ok bool
		if q.Topic, ok = g.Entities().Lookup(*rec.Topic); !ok {
			return nil, rep, fail("topic %q is not an entity of the graph", *rec.Topic)
		}
		if q.Relation, ok = g.Relations().Lookup(*rec.Relation); !ok {
			return nil, rep, fail("relation %q is not a relation of the graph", *rec.Relation)
		}
		tails = g.Tails(tails[:0], q.Topic, q.Relation)
		for _, a := range *rec.Answers {
			e, ok := g.Entities().Lookup(a)
			if !ok {
				return nil, rep, fail("answer %q is not an entity of the graph", a)
			}
			if _, found := slices.BinarySearch(tails, e); !found {
				msg := fmt.Sprintf("answer %q is not a tail of (%s, %s, ?) in the graph", a, *rec.Topic, *rec.Relation)
				if !opt.AllowForeignAnswers {
					return nil, rep, fail("%s; pass allow_foreign_answers=True to keep it as a gold answer no summary can return", msg)
				}
				rep.ForeignAnswers++
				if len(rep.ForeignExamples) < 10 {
					rep.ForeignExamples = append(rep.ForeignExamples, fail("%s", msg).Error())
				}
			}
			q.Answers = append(q.Answers, e)
		}
		slices.Sort(q.Answers)
		for i := 1; i < len(q.Answers); i++ {
			if q.Answers[i] == q.Answers[i-1] {
				return nil, rep, fail("answer %q is listed twice", g.EntityName(q.Answers[i]))
			}
		}
		rep.Records++
		qs = append(qs, q)
	}
}

// decodeQueryRecord parses one JSONL line strictly: one object with exactly
// the fields of queryRecord, each present and valid.
func decodeQueryRecord(line []byte) (*queryInput, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var rec queryInput
	if err := dec.Decode(&rec); err != nil {
		return nil, err
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON object")
	}
	switch {
	case rec.ID == nil:
		return nil, fmt.Errorf("missing field \"id\"")
	case *rec.ID == "":
		return nil, fmt.Errorf("id: got \"\", want a non-empty string")
	case rec.User == nil:
		return nil, fmt.Errorf("missing field \"user\"")
	case *rec.User < 0:
		return nil, fmt.Errorf("user: got %d, want an int >= 0", *rec.User)
	case rec.Topic == nil:
		return nil, fmt.Errorf("missing field \"topic\"")
	case rec.Relation == nil:
		return nil, fmt.Errorf("missing field \"relation\"")
	case rec.Answers == nil:
		return nil, fmt.Errorf("missing field \"answers\"")
	case len(*rec.Answers) == 0:
		return nil, fmt.Errorf("answers: got [], want at least one answer")
	}
	return &rec, nil
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
	// MemoryLimit bounds the estimated bytes of the logs; 0 means the
	// machine's physical memory.
	MemoryLimit int64 `json:",omitempty"`
}

// simulateBytesPerQuery is an estimate of the bytes of one simulated query
// without its answers: the Query value (56 bytes) and its ID string,
// rounded up to Go's allocation size class.
const simulateBytesPerQuery = 56 + 16

// checkSimulateMemory rejects a simulation whose logs would exceed the
// memory limit, so that an impossible size fails as an error instead of
// killing the process in the Go runtime. answerBytes is the size of the
// answer lists built so far; before any is built, each query is assumed to
// have one answer (8 bytes, the smallest allocation).
func checkSimulateMemory(opt SimulateOptions, answerBytes int64) error {
	limit, limitName := opt.MemoryLimit, "--max-memory"
	if limit <= 0 {
		limit, limitName = PhysicalMemory(), "the machine's memory"
	}
	if limit <= 0 {
		return nil
	}
	queries := float64(opt.Users) * float64(opt.Queries)
	need := queries*simulateBytesPerQuery + max(float64(answerBytes), queries*8)
	if need > float64(limit) {
		return fmt.Errorf("kg: simulate: users %d × queries %d need about %.0f bytes, more than %s (%d bytes); ask for fewer users or queries",
			opt.Users, opt.Queries, need, limitName, limit)
	}
	return nil
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
	if !(opt.RandomQueryProb >= 0 && opt.RandomQueryProb <= 1) {
		return nil, fmt.Errorf("kg: simulate: random query probability %g is outside [0, 1]", opt.RandomQueryProb)
	}
	if err := checkSimulateMemory(opt, 0); err != nil {
		return nil, err
	}
	heads := g.Heads(nil)
	if len(heads) < opt.Topics {
		return nil, fmt.Errorf("kg: simulate: %s requested but the graph has %s", Count(opt.Topics, "topic", "topics"), Count(len(heads), "head entity", "head entities"))
	}
	per := (opt.Queries + opt.Topics - 1) / opt.Topics
	logs := make([][]Query, opt.Users)
	var answerBytes int64 // of every user so far
	for u := range logs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(opt.Seed, uint64(u)))
		topics := sampleDistinct(rng, heads, opt.Topics)
		var rels []int32
		qs := make([]Query, 0, opt.Queries)
		for _, topic := range topics {
			for k := 0; k < per && len(qs) < opt.Queries; k++ {
				if len(qs)%4096 == 4095 {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
					if err := checkSimulateMemory(opt, answerBytes); err != nil {
						return nil, err
					}
				}
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
				answerBytes += 4 * int64(cap(q.Answers))
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
