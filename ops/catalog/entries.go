package catalog

// The files below are those of the project's data folder, with sizes and
// sha256 checked against the files. The addresses point at the public
// repositories, pinned to a commit, that they were taken from.

const (
	llama2c64   = "https://raw.githubusercontent.com/ytmytm/llama2.c64/12b5bec82eb980362b8a7bfe86992a552a492481/"
	gnnBench    = "https://raw.githubusercontent.com/shchur/gnn-benchmark/1e72912a0810cdf27ae54fd589a3b43358a2b161/data/"
	convE       = "https://github.com/TimDettmers/ConvE/raw/f3c0eb286025410fa5b4c04696c918264163d0ca/"
	pygMUTAG    = "https://raw.githubusercontent.com/pyg-team/pytorch_geometric/e0e791dfcda27d7b3eacca030e4d71e85b88b8fb/torch_geometric/contrib/degree_quant/redditbinary/MUTAG/raw/"
	codexS      = "https://raw.githubusercontent.com/tsafavi/codex/3132e426c2a6b643b70bad679905a3a6270be440/data/triples/codex-s/"
	pytorchExam = "https://raw.githubusercontent.com/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/word_language_model/data/wikitext-2/test.txt"
)

func one(name, rel string, size int64, sha, desc, url, license string) *Entry {
	return &Entry{Name: name, Rel: rel, Description: desc, Files: []File{{Rel: rel, Size: size, SHA256: sha}}, URL: url, License: license}
}

// derived marks e as a conversion of the files at its URL, made as how
// describes.
func derived(e *Entry, how string) *Entry {
	e.Derived = how
	return e
}

var entries = []*Entry{
	one("stories260K", "llm/stories260K.bin", 1056540, "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696",
		"Karpathy's stories260K: trained tiny Llama-2 (dim 64, 5 layers, 8 heads, 4 KV heads), llama2.c v0 format",
		llama2c64+"stories260K.bin", "MIT"),
	one("tok512", "llm/tok512.bin", 6227, "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312",
		"512-token llama2.c tokenizer for stories260K",
		llama2c64+"tok512.bin", "MIT"),
	one("tokenizer-llama2", "llm/tokenizer.bin", 433869, "50a52ef822ee9e83de5ce9d0be0a025a773d019437f58b5ff9dcafb063ece361",
		"Llama-2 32k vocabulary in llama2.c tokenizer format",
		"https://raw.githubusercontent.com/karpathy/llama2.c/350e04fe35433e6d2941dce5a1f53308f87058eb/tokenizer.bin", "MIT (repository); vocabulary under the Llama 2 license"),
	one("llama-2-tiny-random", "llm/llama-2-tiny-random.gguf", 1750560, "81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb",
		"tiny random-weight llama GGUF v3, for GGUF reader tests only",
		"https://github.com/ollama/ollama/raw/87a88cc8f923eb0d8b65c45a4b31cd87b34ee5b1/api/data/llama-2-tiny-random.gguf", "MIT"),
	derived(one("planetoid-cora", "graph/planetoid-cora.npz", 559362, "28247063a2d841f70e26ced6303c1e6b3fd9ed261ad41a35cdb4aa80cc08f1a0",
		"Cora with the Planetoid public split (140/500/1000), symmetric adjacency, CSR npz",
		gnnBench+"planetoid/", "MIT (gnn-benchmark); Cora from LINQS"),
		"converted from the Planetoid files ind.cora.* found there; the data folder's README gives the layout"),
	one("cora", "graph/cora.npz", 540580, "068e22d90c3849b4057dfb05851741428992af058efcd4e7ebb4186f3d581de2",
		"Cora in the gnn-benchmark layout: directed citations, no split",
		gnnBench+"npz/cora.npz", "MIT (gnn-benchmark); Cora from LINQS"),
	{
		Name: "MUTAG", Rel: "graph/MUTAG", Description: "188 molecules in TU text format (graph classification)",
		URL: pygMUTAG, License: "MIT (repository); TU graph collection",
		Files: []File{
			{"graph/MUTAG/MUTAG_A.txt", 76940, "d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2"},
			{"graph/MUTAG/MUTAG_edge_labels.txt", 14884, "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56"},
			{"graph/MUTAG/MUTAG_graph_indicator.txt", 11532, "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056"},
			{"graph/MUTAG/MUTAG_graph_labels.txt", 439, "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c"},
			{"graph/MUTAG/MUTAG_node_labels.txt", 6742, "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863"},
			{"graph/MUTAG/README.txt", 2599, "1b10c45bb358d55920778d0772f7059d8cbc72326bb2cc5deaedca0e814aac24"},
		},
	},
	{
		Name: "FB15k-237", Rel: "kg/FB15k-237", Description: "Freebase subset: 310k triples, 14,541 entities, 237 relations, with entity names",
		URL: convE + "FB15k-237.tar.gz", License: "MIT (ConvE); data CC-BY (Freebase); names Apache-2.0 (kg-bert)",
		Files: []File{
			{"kg/FB15k-237/train.txt", 21005177, "61099230e4439f90885ca9767739e31e8e32f54736fa1c35952b27997bc7c08a"},
			{"kg/FB15k-237/valid.txt", 1285566, "749cbe9d923bac7b9354da5614ecfed2e0220256d442c3e04a6b303db1f273d9"},
			{"kg/FB15k-237/test.txt", 1499033, "e2e35e8e6113de220140b6f44dc71a5207b0fc6872d575e874aefe13259b655b"},
			{"kg/FB15k-237/mid2name.txt", 392384, "4da94b8059a83bc7e08c832f573d34221d38e85030576e332a0d0e9726d13d73"},
		},
	},
	{
		Name: "WN18RR", Rel: "kg/WN18RR", Description: "WordNet subset: 93k triples, 40,943 synsets, 11 relations",
		URL: convE + "WN18RR.tar.gz", License: "MIT (repository); WordNet license",
		Files: []File{
			{"kg/WN18RR/train.txt", 3135377, "038612e783c215ee5f3ca9fbfca27b8d0739be1028fe4ee7c174aecf0b83d5df"},
			{"kg/WN18RR/valid.txt", 110415, "453ce7202afa58094a04d2b1560ee2b02660f1c260b32ce6651c8ccedd1028ab"},
			{"kg/WN18RR/test.txt", 113180, "0383bceaaa1096cf3c03ec021ed0048068e2355dbfc0239b292cefdac821cec5"},
		},
	},
	{
		Name: "codex-s", Rel: "kg/codex-s", Description: "CoDEx-S Wikidata subset: 36.5k triples, 2,034 entities, 42 relations",
		URL: codexS, License: "MIT",
		Files: []File{
			{"kg/codex-s/train.txt", 615428, "64f93b7f314f3936a6f65739721429db3f6a7c8f5a1e1104ec3bb544f7434f59"},
			{"kg/codex-s/valid.txt", 34323, "3831c0e57daef03c3a18cdd1a72e370b496f696c5218883d35c7d2ab8a6a772c"},
			{"kg/codex-s/test.txt", 34252, "27127fcb34688c4778e88a39ef3c9b540807da846021e9d9685660ac1838aca1"},
		},
	},
	one("wikitext2-test", "text/wikitext2.test.txt", 1256449, "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
		"WikiText-2 test set, tokenised (non-raw) form",
		pytorchExam, "BSD-3 (repository); WikiText CC BY-SA 3.0"),
	one("tinystories-val", "text/tinystories_val.txt", 794375, "5fc1fb0113df62b567fb271806cd645ce8d75f59c58ca0b764c03d3b6ff34ca6",
		"beginning of the TinyStories validation split, 4,300 paragraphs",
		"https://raw.githubusercontent.com/yuninxia/moe-routing-bench/bb9bb0bd461aa77cf6ab89423b758f586a6f75d1/data/tinystories_val.txt", "MIT (repository); TinyStories CDLA-Sharing-1.0"),
}
