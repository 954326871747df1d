package apex

// Ranking is an ordered set of (key, id) items, highest key first and equal
// keys by increasing id, stored as a treap. Insert and Delete cost
// O(log n) expected, so re-ranking c changed items costs O(c log n).
// Priorities are a hash of the id, which makes the shape, and so every
// result, deterministic.
type Ranking struct {
	key         []float64
	id          []int32
	left, right []int32
	prio        []uint32
	free        []int32
	root        int32
	n           int
}

const nilNode = -1

// NewRanking returns an empty ranking.
func NewRanking() *Ranking { return &Ranking{root: nilNode} }

// Len returns the number of items.
func (t *Ranking) Len() int { return t.n }

// before reports whether (ka, ia) ranks before (kb, ib).
func before(ka float64, ia int32, kb float64, ib int32) bool {
	return ka > kb || ka == kb && ia < ib
}

func hashPriority(id int32) uint32 {
	x := uint64(id) + 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return uint32(x ^ x>>31)
}

func (t *Ranking) newNode(key float64, id int32) int32 {
	if k := len(t.free); k > 0 {
		x := t.free[k-1]
		t.free = t.free[:k-1]
		t.key[x], t.id[x], t.left[x], t.right[x], t.prio[x] = key, id, nilNode, nilNode, hashPriority(id)
		return x
	}
	t.key = append(t.key, key)
	t.id = append(t.id, id)
	t.left = append(t.left, nilNode)
	t.right = append(t.right, nilNode)
	t.prio = append(t.prio, hashPriority(id))
	return int32(len(t.key) - 1)
}

// Insert adds (key, id). The pair must not be present already.
func (t *Ranking) Insert(key float64, id int32) {
	x := t.newNode(key, id)
	t.root = t.insert(t.root, x)
	t.n++
}

func (t *Ranking) insert(root, x int32) int32 {
	if root == nilNode {
		return x
	}
	if t.prio[x] > t.prio[root] {
		t.left[x], t.right[x] = t.split(root, t.key[x], t.id[x])
		return x
	}
	if before(t.key[x], t.id[x], t.key[root], t.id[root]) {
		t.left[root] = t.insert(t.left[root], x)
	} else {
		t.right[root] = t.insert(t.right[root], x)
	}
	return root
}

// split divides root into the items ranking before (key, id) and the rest.
func (t *Ranking) split(root int32, key float64, id int32) (int32, int32) {
	if root == nilNode {
		return nilNode, nilNode
	}
	if before(t.key[root], t.id[root], key, id) {
		l, r := t.split(t.right[root], key, id)
		t.right[root] = l
		return root, r
	}
	l, r := t.split(t.left[root], key, id)
	t.left[root] = r
	return l, root
}

// merge joins a and b where every item of a ranks before every item of b.
func (t *Ranking) merge(a, b int32) int32 {
	if a == nilNode {
		return b
	}
	if b == nilNode {
		return a
	}
	if t.prio[a] > t.prio[b] {
		t.right[a] = t.merge(t.right[a], b)
		return a
	}
	t.left[b] = t.merge(a, t.left[b])
	return b
}

// Delete removes (key, id) and reports whether it was present. key must be
// bit-identical to the inserted key.
func (t *Ranking) Delete(key float64, id int32) bool {
	var found bool
	t.root, found = t.delete(t.root, key, id)
	if found {
		t.n--
	}
	return found
}

func (t *Ranking) delete(root int32, key float64, id int32) (int32, bool) {
	if root == nilNode {
		return nilNode, false
	}
	if t.key[root] == key && t.id[root] == id {
		x := t.merge(t.left[root], t.right[root])
		t.free = append(t.free, root)
		return x, true
	}
	var found bool
	if before(key, id, t.key[root], t.id[root]) {
		t.left[root], found = t.delete(t.left[root], key, id)
	} else {
		t.right[root], found = t.delete(t.right[root], key, id)
	}
	return root, found
}

// Last returns the lowest-ranked item.
func (t *Ranking) Last() (key float64, id int32, ok bool) {
	x := t.root
	if x == nilNode {
		return 0, 0, false
	}
	for t.right[x] != nilNode {
		x = t.right[x]
	}
	return t.key[x], t.id[x], true
}

// First returns the highest-ranked item.
func (t *Ranking) First() (key float64, id int32, ok bool) {
	x := t.root
	if x == nilNode {
		return 0, 0, false
	}
	for t.left[x] != nilNode {
		x = t.left[x]
	}
	return t.key[x], t.id[x], true
}

// Scale multiplies every key by f > 0. It keeps the order when f is a power
// of two and no key overflows or becomes subnormal, which is how callers use
// it to renormalise lazily decayed keys.
func (t *Ranking) Scale(f float64) {
	var walk func(x int32)
	walk = func(x int32) {
		for x != nilNode {
			t.key[x] *= f
			walk(t.left[x])
			x = t.right[x]
		}
	}
	walk(t.root)
}

// Cursor walks a ranking from the highest-ranked item down.
type Cursor struct {
	t     *Ranking
	stack []int32
}

// Cursor returns a cursor at the highest-ranked item. The ranking must not
// change while the cursor is in use.
func (t *Ranking) Cursor(c *Cursor) {
	c.t = t
	c.stack = c.stack[:0]
	c.pushLeft(t.root)
}

func (c *Cursor) pushLeft(x int32) {
	for x != nilNode {
		c.stack = append(c.stack, x)
		x = c.t.left[x]
	}
}

// Peek returns the current item without advancing.
func (c *Cursor) Peek() (key float64, id int32, ok bool) {
	if len(c.stack) == 0 {
		return 0, 0, false
	}
	x := c.stack[len(c.stack)-1]
	return c.t.key[x], c.t.id[x], true
}

// Next returns the current item and advances.
func (c *Cursor) Next() (key float64, id int32, ok bool) {
	if len(c.stack) == 0 {
		return 0, 0, false
	}
	x := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	c.pushLeft(c.t.right[x])
	return c.t.key[x], c.t.id[x], true
}
