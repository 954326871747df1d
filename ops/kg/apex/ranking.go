package apex

// Ranking is an ordered set of (key, id) items, highest key first and equal
// keys by increasing id, stored as a treap. Insert and Delete cost
// O(log n) expected, so re-ranking c changed items costs O(c log n).
// Priorities are a hash of the id, which makes the shape, and so every
// result, deterministic.
type Ranking struct {
	nodes []rankNode
	free  []int32
	root  int32
	n     int
}

// rankNode is one item of a Ranking with its treap links, kept together so
// that a step down the tree reads one 24-byte record instead of five
// arrays. Insert, Delete, split and merge walk the tree in loops that keep
// a pointer to the link being rewritten, without recursion.
type rankNode struct {
	key         float64
	id          int32
	prio        uint32
	left, right int32
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
	node := rankNode{key: key, id: id, prio: hashPriority(id), left: nilNode, right: nilNode}
	if k := len(t.free); k > 0 {
		x := t.free[k-1]
		t.free = t.free[:k-1]
		t.nodes[x] = node
		return x
	}
	t.nodes = append(t.nodes, node)
	return int32(len(t.nodes) - 1)
}

// Insert adds (key, id). The pair must not be present already.
func (t *Ranking) Insert(key float64, id int32) {
	x := t.newNode(key, id)
	prio := t.nodes[x].prio
	// Descend to the first node that x's priority beats; x takes its place
	// and the subtree there splits around x.
	link := &t.root
	for *link != nilNode {
		r := &t.nodes[*link]
		if prio > r.prio {
			break
		}
		if before(key, id, r.key, r.id) {
			link = &r.left
		} else {
			link = &r.right
		}
	}
	l, r := t.split(*link, key, id)
	t.nodes[x].left, t.nodes[x].right = l, r
	*link = x
	t.n++
}

// split divides root into the items ranking before (key, id) and the rest.
func (t *Ranking) split(root int32, key float64, id int32) (l, r int32) {
	lLink, rLink := &l, &r
	for root != nilNode {
		n := &t.nodes[root]
		if before(n.key, n.id, key, id) {
			*lLink = root
			lLink = &n.right
			root = n.right
		} else {
			*rLink = root
			rLink = &n.left
			root = n.left
		}
	}
	*lLink, *rLink = nilNode, nilNode
	return l, r
}

// merge joins a and b where every item of a ranks before every item of b.
func (t *Ranking) merge(a, b int32) int32 {
	root := int32(nilNode)
	link := &root
	for a != nilNode && b != nilNode {
		if t.nodes[a].prio > t.nodes[b].prio {
			*link = a
			link = &t.nodes[a].right
			a = *link
		} else {
			*link = b
			link = &t.nodes[b].left
			b = *link
		}
	}
	if a != nilNode {
		*link = a
	} else {
		*link = b
	}
	return root
}

// Delete removes (key, id) and reports whether it was present. key must be
// bit-identical to the inserted key.
func (t *Ranking) Delete(key float64, id int32) bool {
	link := &t.root
	for *link != nilNode {
		x := *link
		n := &t.nodes[x]
		if n.key == key && n.id == id {
			*link = t.merge(n.left, n.right)
			t.free = append(t.free, x)
			t.n--
			return true
		}
		if before(key, id, n.key, n.id) {
			link = &n.left
		} else {
			link = &n.right
		}
	}
	return false
}

// Last returns the lowest-ranked item.
func (t *Ranking) Last() (key float64, id int32, ok bool) {
	x := t.root
	if x == nilNode {
		return 0, 0, false
	}
	for t.nodes[x].right != nilNode {
		x = t.nodes[x].right
	}
	return t.nodes[x].key, t.nodes[x].id, true
}

// First returns the highest-ranked item.
func (t *Ranking) First() (key float64, id int32, ok bool) {
	x := t.root
	if x == nilNode {
		return 0, 0, false
	}
	for t.nodes[x].left != nilNode {
		x = t.nodes[x].left
	}
	return t.nodes[x].key, t.nodes[x].id, true
}

// Scale multiplies every key by f > 0. It keeps the order when f is a power
// of two and no key overflows or becomes subnormal, which is how callers use
// it to renormalise lazily decayed keys.
func (t *Ranking) Scale(f float64) {
	var walk func(x int32)
	walk = func(x int32) {
		for x != nilNode {
			t.nodes[x].key *= f
			walk(t.nodes[x].left)
			x = t.nodes[x].right
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
		x = c.t.nodes[x].left
	}
}

// Peek returns the current item without advancing.
func (c *Cursor) Peek() (key float64, id int32, ok bool) {
	if len(c.stack) == 0 {
		return 0, 0, false
	}
	n := &c.t.nodes[c.stack[len(c.stack)-1]]
	return n.key, n.id, true
}

// Next returns the current item and advances.
func (c *Cursor) Next() (key float64, id int32, ok bool) {
	if len(c.stack) == 0 {
		return 0, 0, false
	}
	n := &c.t.nodes[c.stack[len(c.stack)-1]]
	c.stack = c.stack[:len(c.stack)-1]
	c.pushLeft(n.right)
	return n.key, n.id, true
}
