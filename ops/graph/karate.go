package graph

import (
	_ "embed"
	"strings"
)

//go:embed data/karate.edges
var karateEdges string

// karateClub is the club each member joined after the split: 0 for the
// instructor's (Mr. Hi's), 1 for the officers'. It is the "club after split
// from data" column of Zachary (1977), table 3, as networkx 3.x records it
// in karate_club_graph's "club" attribute.
var karateClub = [34]int{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 1, 1, 0, 0, 1, 0,
	1, 0, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1,
}

// Karate returns Zachary's karate club: 34 nodes, 78 undirected edges
// (156 stored entries), labels = the club each member joined after the
// split (NumClasses 2), and identity features (34×34), since the data have
// no node attributes. The graph is embedded in the binary.
func Karate() *Graph {
	g, err := ParseEdgeList(strings.NewReader(karateEdges), "karate.edges", EdgeListOptions{Undirected: true, NumNodes: 34})
	if err != nil {
		panic("graph: embedded karate data: " + err.Error())
	}
	g.Name = "karate"
	g.Y = append([]int(nil), karateClub[:]...)
	g.NumClasses = 2
	g.ClassNames = []string{"Mr. Hi", "Officer"}
	eye := make([]float32, 34*34)
	for i := 0; i < 34; i++ {
		eye[i*34+i] = 1
	}
	g.X = &Features{Rows: 34, Cols: 34, Dense: eye}
	return g
}
