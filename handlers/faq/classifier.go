package faq

import (
	"math"
	"strings"
)

// classifier is a multinomial logistic regression over the matcher's terms, trained on the knowledge
// base's questions and titles (the out-of-scope examples are a class of their own).
// Its features are the matcher's vocabulary (Matcher.vocab): the index's terms and the 4-grams of its
// words. A term training never sees (an accented spelling, a word only answers have) keeps a row of zeros.
type classifier struct {
	classes int
	w       []float32 // classes × features, row-major by feature (vocab id): w[f*classes+c]
	bias    []float32
}

// withGrams adds the character 4-grams of a text's Latin words (folded, stemmed as indexed), which carry what
// word forms share: "verlaengern"/"verlängerung", "dormitory"/"dormitories", typos two letters off.
func withGrams(tf map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(tf)*2)
	for t, v := range tf {
		addWithGrams(out, t, v)
	}
	return out
}

// withGramsInto is withGrams of an indexed text (while New runs: its terms' texts are m.names), writing
// into out (cleared first): training reuses one map.
func (m *Matcher) withGramsInto(out map[string]float64, doc []weighted) map[string]float64 {
	clear(out)
	for _, tw := range doc {
		addWithGrams(out, m.names[tw.id], tw.w)
	}
	return out
}

func addWithGrams(out map[string]float64, t string, v float64) {
	if strings.HasPrefix(t, "a:") {
		return // accented spellings: what the folded words say already
	}
	out[t] = v
	w, ok := strings.CutPrefix(t, "w:")
	if !ok || len(w) < 5 {
		return
	}
	w = "<" + w + ">"
	for i := 0; i+4 <= len(w); i++ {
		out["c:"+w[i:i+4]] += gramWeight
	}
}

const gramWeight = 0.25

// classifierRate is the learning rate of the classifier's first pass; it falls as 1/epoch.
const classifierRate = 3.0

// weight is a feature's: a term's idf, 1 for a 4-gram.
func (m *Matcher) weight(id int32) float64 {
	if id >= m.terms {
		return 1
	}
	return m.idf[id]
}

// trainClassifier is most of the index build's time, and under the race detector it was five times
// slower than everything else of the build together; it works on data no other goroutine sees (the model
// is published only when New returns), so it is exempt from instrumentation.
//
// docs are the indexed texts; the 4-grams are added to m.vocab.
//
//go:norace
func trainClassifier(m *Matcher, docs [][]weighted, labels []int32, classWeight []float32, classes int, epochs int, rate float64) *classifier {
	cl := &classifier{classes: classes}
	scratch := map[string]float64{}
	var keys []string
	var ids []int32
	type sparse struct {
		f []int32
		x []float32
	}
	xs := make([]sparse, len(docs))
	for d := range docs {
		tf := m.withGramsInto(scratch, docs[d])
		var norm float64
		keys = sortedKeysInto(keys, tf)
		ids = ids[:0]
		for _, t := range keys {
			id, ok := m.vocab[t]
			if !ok { // a 4-gram seen first
				id = int32(len(m.vocab))
				m.vocab[t] = id
			}
			ids = append(ids, id)
			v := tf[t] * m.weight(id)
			norm += v * v
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue
		}
		xs[d].f = make([]int32, 0, len(keys))
		xs[d].x = make([]float32, 0, len(keys))
		for i, t := range keys {
			xs[d].f = append(xs[d].f, ids[i])
			xs[d].x = append(xs[d].x, float32(tf[t]*m.weight(ids[i])/norm))
		}
	}
	cl.w = make([]float32, len(m.vocab)*classes)
	cl.bias = make([]float32, classes)
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	p := make([]float64, classes)
	active := make([]int, 0, classes)
	acc := make([]float32, classes)
	g := make([]float32, classes)
	seed := uint64(1)
	for e := 0; e < epochs; e++ {
		// a fixed shuffle per epoch: the same content, the same model
		for i := len(order) - 1; i > 0; i-- {
			seed = seed*6364136223846793005 + 1442695040888963407
			j := int(seed>>33) % (i + 1)
			order[i], order[j] = order[j], order[i]
		}
		lr := rate / (1 + float64(e))
		for _, d := range order {
			x := xs[d]
			if len(x.f) == 0 {
				continue
			}
			cl.logits(x.f, x.x, p, acc)
			softmax(p)
			p[labels[d]] -= 1
			// Only the classes with a gradient worth the name are updated: after the first passes most
			// probabilities are ~0, and skipping them makes training several times faster.
			active = active[:0]
			for c := 0; c < classes; c++ {
				if math.Abs(p[c]) > 1e-4 {
					active = append(active, c)
					cl.bias[c] -= float32(lr*p[c]*0.1) * classWeight[labels[d]]
				}
			}
			for _, c := range active {
				g[c] = float32(lr*p[c]) * classWeight[labels[d]]
			}
			for i, f := range x.f {
				row := cl.w[int(f)*classes : int(f)*classes+classes]
				xi := x.x[i]
				for _, c := range active {
					row[c] -= xi * g[c]
				}
			}
		}
	}
	return cl
}

// logits writes the class scores of a sparse input into out (float32 throughout: the inner loop runs over
// one feature's contiguous row of class weights, which is most of training's time). Not instrumented by the
// race detector either: training calls it millions of times, and Match only reads the trained weights,
// which never change once New returns.
//
//go:norace
func (cl *classifier) logits(f []int32, x []float32, out []float64, acc []float32) {
	copy(acc, cl.bias)
	for i, id := range f {
		row := cl.w[int(id)*cl.classes : int(id)*cl.classes+cl.classes]
		xi := x[i]
		acc := acc[:len(row)]
		for c, v := range row {
			acc[c] += v * xi
		}
	}
	for c, v := range acc {
		out[c] = float64(v)
	}
}

//go:norace
func softmax(p []float64) {
	mx := math.Inf(-1)
	for _, v := range p {
		mx = math.Max(mx, v)
	}
	var sum float64
	for i, v := range p {
		p[i] = math.Exp(v - mx)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
}

// predict returns class probabilities for query term weights qw (tf × idf, unknown terms dropped).
func (cl *classifier) predict(m *Matcher, tf map[string]float64) []float64 {
	var f []int32
	var x []float32
	var norm float64
	tf = withGrams(tf)
	keys := sortedKeys(tf)
	ids := make([]int32, len(keys)) // by key: its vocab id, -1 for none
	for i, t := range keys {
		var idf float64
		id, ok := m.vocab[t]
		switch {
		case strings.HasPrefix(t, "c:"):
			idf = 1
		case ok && id < m.terms:
			idf = m.idf[id]
		default:
			idf = m.maxIDF * m.oovWeight(t, false)
		}
		if !ok {
			id = -1
		}
		ids[i] = id
		v := tf[t] * idf
		norm += v * v
	}
	norm = math.Sqrt(norm)
	for i, t := range keys {
		if id := ids[i]; id >= 0 && norm > 0 {
			f = append(f, id)
			x = append(x, float32(tf[t]*m.weight(id)/norm))
		}
	}
	p := make([]float64, cl.classes)
	cl.logits(f, x, p, make([]float32, cl.classes))
	softmax(p)
	return p
}
