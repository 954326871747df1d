package kg

import "unsafe"

// Dictionary maps names to dense int32 ids in order of first insertion.
// Names are copied into large shared byte blocks, so a name costs its bytes
// plus a 16-byte string header and one hash-table entry, not a separate
// allocation.
type Dictionary struct {
	names  []string
	index  map[string]int32
	block  []byte   // current arena block; names point into it
	bytes  int64    // total name bytes
	labels []string // optional readable labels, "" when absent
}

const dictionaryBlock = 1 << 20

// NewDictionary returns an empty dictionary.
func NewDictionary() *Dictionary {
	return &Dictionary{index: map[string]int32{}}
}

// Len returns the number of names.
func (d *Dictionary) Len() int { return len(d.names) }

// Name returns the name of id.
func (d *Dictionary) Name(id int32) string { return d.names[id] }

// Lookup returns the id of name and whether it exists.
func (d *Dictionary) Lookup(name string) (int32, bool) {
	id, ok := d.index[name]
	return id, ok
}

// LookupBytes is Lookup for a byte slice; it does not allocate.
func (d *Dictionary) LookupBytes(name []byte) (int32, bool) {
	id, ok := d.index[string(name)]
	return id, ok
}

// Intern returns the id of name, adding it when new.
func (d *Dictionary) Intern(name []byte) int32 {
	if id, ok := d.index[string(name)]; ok {
		return id
	}
	s := d.store(name)
	id := int32(len(d.names))
	d.names = append(d.names, s)
	d.index[s] = id
	return id
}

// InternString is Intern for a string.
func (d *Dictionary) InternString(name string) int32 {
	if id, ok := d.index[name]; ok {
		return id
	}
	return d.Intern([]byte(name))
}

// store copies name into the arena and returns a string viewing the copy.
// Arena blocks are never reallocated, so the strings stay valid.
func (d *Dictionary) store(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	if len(name) > dictionaryBlock/4 {
		return string(name)
	}
	if cap(d.block)-len(d.block) < len(name) {
		d.block = make([]byte, 0, dictionaryBlock)
	}
	start := len(d.block)
	d.block = append(d.block, name...)
	d.bytes += int64(len(name))
	b := d.block[start:len(d.block):len(d.block)]
	return unsafe.String(&b[0], len(b))
}

// SetLabel attaches a readable label to id (for example FB15k-237's
// mid2name); lookups still use the name.
func (d *Dictionary) SetLabel(id int32, label string) {
	if d.labels == nil {
		d.labels = make([]string, len(d.names))
	}
	for len(d.labels) < len(d.names) {
		d.labels = append(d.labels, "")
	}
	d.labels[id] = label
}

// Label returns the label of id, or its name when it has none.
func (d *Dictionary) Label(id int32) string {
	if int(id) < len(d.labels) && d.labels[id] != "" {
		return d.labels[id]
	}
	return d.names[id]
}

// NumLabels returns how many ids have a label.
func (d *Dictionary) NumLabels() int {
	n := 0
	for _, l := range d.labels {
		if l != "" {
			n++
		}
	}
	return n
}

// MemoryBytes estimates the dictionary's memory: name bytes, string
// headers, and about 48 bytes per hash-table entry (Go map overhead for a
// string key and an int32 value).
func (d *Dictionary) MemoryBytes() int64 {
	return d.bytes + int64(cap(d.names)+cap(d.labels))*16 + int64(len(d.index))*48
}
