package retrieve

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// Files of a run directory.
const (
	RunFile        = "run.json"
	VocabFile      = "vocab.txt"
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "metrics.json"
)

// TaskName is the task's name in run.json and on the command line.
const TaskName = "retrieve"

// embedBatch is the number of texts per embedding graph; shorter batches are padded, so one graph serves all.
const embedBatch = 128

// Model is a trained retriever: its configuration, tokenizer and encoder variables.
type Model struct {
	Config  Config
	Metrics *Metrics         // held-out results (set by Train, read back by Load)
	Result  *training.Result // Train's history (nil after Load)

	tok     *tokenize.Tokenizer
	backend backends.Backend
	ctx     *mlctx.Context
	exec    *mlctx.Exec
	split   *Split
}

// Metrics is metrics.json: the test split's rankings by the trained encoder, the encoder before training and the
// two bag-of-words baselines, with the run's speed.
type Metrics struct {
	Test          Ranking `json:"test"`
	Untrained     Ranking `json:"untrained_encoder"`
	Overlap       Ranking `json:"word_overlap"`
	TFIDF         Ranking `json:"tfidf"`
	Steps         int     `json:"steps"`
	TrainSeconds  float64 `json:"train_seconds"`
	StepsPerSec   float64 `json:"steps_per_second"`
	FinalLoss     float64 `json:"final_loss"`
	TrainExamples int     `json:"train_examples"`
	Backend       string  `json:"backend"`
}

// Hit is one retrieved candidate.
type Hit struct {
	Index int     // into the candidates
	Text  string  // the candidate
	Score float64 // cosine similarity
}

type runInfo struct {
	Task string `json:"task"`
	Config
}

// Tokenizer returns the model's joint WordPiece tokenizer.
func (m *Model) Tokenizer() *tokenize.Tokenizer { return m.tok }

// Train trains a retriever as cfg says and, when cfg.Out is set, writes its run directory. Before the first step
// it ranks the test split with the untrained encoder and the two baselines; after the last, with the trained one.
// ctx cancels training between steps; cfg.Resume continues from the last checkpoint.
func Train(ctx context.Context, cfg Config) (*Model, error) {
	if _, _, _, err := cfg.validate(); err != nil {
		return nil, err
	}
	var vocab *tokenize.Vocab
	if cfg.Out != "" {
		v, err := prepareOut(cfg)
		if err != nil {
			return nil, err
		}
		vocab = v
	}
	split, err := LoadSplit(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return TrainSplit(ctx, cfg, split, vocab)
}

// TrainSplit is Train on a split already loaded (notebooks train several losses on one split); vocab, if not
// nil, is the vocabulary to use, else one is trained on both languages of split.Train.
func TrainSplit(ctx context.Context, cfg Config, split *Split, vocab *tokenize.Vocab) (*Model, error) {
	loss, opt, sched, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if vocab == nil {
		if vocab, err = TrainVocab(split.Train, cfg.VocabSize); err != nil {
			return nil, err
		}
	}
	m, err := newModel(cfg, vocab)
	if err != nil {
		return nil, err
	}
	m.split = split
	if err := m.ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	if cfg.Out != "" {
		if err := m.writeRunFiles(); err != nil {
			return nil, err
		}
	}
	metrics := &Metrics{TrainExamples: len(split.Train), Backend: m.backend.Name()}
	queries, candidates := sides(split.Test)
	if metrics.Overlap, metrics.TFIDF, err = Baselines(fitDocs(split.Train), queries, candidates); err != nil {
		return nil, err
	}
	resuming := cfg.Resume && cfg.Out != "" && fileExists(filepath.Join(cfg.Out, CheckpointFile))
	if !resuming {
		if metrics.Untrained, err = m.Rank(split.Test); err != nil {
			return nil, err
		}
	}
	trainData, err := m.dataset(split.Train)
	if err != nil {
		return nil, err
	}
	tcfg := training.Config{
		Optimizer: opt, Schedule: sched, Steps: cfg.Steps, BatchSize: cfg.BatchSize, Shuffle: true, Seed: cfg.Seed,
		EvalEvery: cfg.EvalEvery, Progress: cfg.Progress, NoPlot: cfg.NoPlot, PlotTitle: "retrieve: " + cfg.Loss,
		OnStep: func(s training.StepInfo) error {
			if cfg.OnStep != nil {
				if err := cfg.OnStep(s); err != nil {
					return err
				}
			}
			return ctx.Err()
		},
	}
	if len(split.Validation) >= 2 {
		val := split.Validation
		if cfg.EvalSize > 0 && len(val) > cfg.EvalSize {
			val = val[:cfg.EvalSize]
		}
		if tcfg.EvalData, err = m.dataset(val); err != nil {
			return nil, err
		}
		tcfg.EvalBatchSize = cfg.BatchSize
		tcfg.Eval = func(*mlctx.Context) (map[string]float64, error) {
			r, err := m.Rank(val)
			if err != nil {
				return nil, err
			}
			return map[string]float64{"recall@1": r.RecallAt1, "mrr": r.MRR}, nil
		}
	}
	if cfg.Out != "" {
		tcfg.CheckpointPath = filepath.Join(cfg.Out, CheckpointFile)
		tcfg.CheckpointEvery = cfg.CheckpointEvery
	}
	res, err := training.Train(m.backend, m.ctx, trainData, m.lossFn(loss), tcfg)
	if err != nil {
		return nil, err
	}
	m.Result = res
	if metrics.Test, err = m.Rank(split.Test); err != nil {
		return nil, err
	}
	metrics.Steps = res.Steps
	metrics.TrainSeconds = res.Elapsed.Seconds()
	metrics.StepsPerSec = float64(res.Steps-res.ResumedFrom) / res.Elapsed.Seconds()
	if len(res.Losses) > 0 {
		metrics.FinalLoss = res.Losses[len(res.Losses)-1]
	}
	if resuming {
		if old, err := readMetrics(cfg.Out); err == nil {
			metrics.Untrained = old.Untrained
		}
	}
	m.Metrics = metrics
	if cfg.Out != "" {
		if err := writeJSONAtomic(filepath.Join(cfg.Out, MetricsFile), metrics); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// TrainVocab learns the joint WordPiece vocabulary (uncased, accents stripped) of both languages of pairs.
func TrainVocab(pairs []data.VersePair, size int) (*tokenize.Vocab, error) {
	v, err := tokenize.TrainFromSlice(fitDocs(pairs), tokenize.TrainOptions{VocabSize: size,
		Options: tokenize.Uncased()})
	if err != nil {
		return nil, fmt.Errorf("retrieve: vocabulary: %w", err)
	}
	return v, nil
}

// fitDocs is both sides of pairs, English then Spanish.
func fitDocs(pairs []data.VersePair) []string {
	q, c := sides(pairs)
	return append(q, c...)
}

// sides returns the English and the Spanish verses of pairs.
func sides(pairs []data.VersePair) (english, spanish []string) {
	english, spanish = make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		english[i], spanish[i] = p.Source, p.Target
	}
	return english, spanish
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// prepareOut checks cfg.Out: absent or empty for a new run; a run of the same configuration for a resume, whose
// vocabulary it returns (a resume of an absent or empty directory starts a new run).
func prepareOut(cfg Config) (*tokenize.Vocab, error) {
	return training.PrepareRunDir(training.RunDir{Task: TaskName, Dir: cfg.Out, Resume: cfg.Resume, RunFile: RunFile,
		VocabFile: VocabFile, Ignore: []string{"max_steps", "save_steps", "eval_steps"}, NewIfEmpty: true}, cfg)
}

func readRunInfo(dir string) (*runInfo, error) {
	var info runInfo
	if err := training.ReadRunFile(filepath.Join(dir, RunFile), TaskName, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

func readMetrics(dir string) (*Metrics, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		return nil, err
	}
	var mt Metrics
	if err := json.Unmarshal(b, &mt); err != nil {
		return nil, fmt.Errorf("retrieve: %s: %w", filepath.Join(dir, MetricsFile), err)
	}
	return &mt, nil
}

// newModel makes an untrained model with a tokenizer over vocab and an empty context.
func newModel(cfg Config, vocab *tokenize.Vocab) (*Model, error) {
	tok, err := tokenize.New(vocab, tokenize.Uncased())
	if err != nil {
		return nil, fmt.Errorf("retrieve: tokenizer: %w", err)
	}
	backend, err := lib.Backend()
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, tok: tok, backend: backend, ctx: mlctx.New()}, nil
}

func (m *Model) writeRunFiles() error {
	if err := os.MkdirAll(m.Config.Out, 0o755); err != nil {
		return fmt.Errorf("retrieve: %w", err)
	}
	if err := m.tok.Vocab().Save(filepath.Join(m.Config.Out, VocabFile)); err != nil {
		return fmt.Errorf("retrieve: %w", err)
	}
	return writeJSONAtomic(filepath.Join(m.Config.Out, RunFile), runInfo{Task: TaskName, Config: m.Config})
}

// writeJSONAtomic writes v to path through training.WriteJSONFile (indented JSON, temporary file, rename).
func writeJSONAtomic(path string, v any) error {
	if err := training.WriteJSONFile(path, v); err != nil {
		return fmt.Errorf("retrieve: %w", err)
	}
	return nil
}

// Load reads a run directory written by Train: its configuration, vocabulary, checkpoint and metrics.
func Load(dir string) (*Model, error) {
	info, err := readRunInfo(dir)
	if err != nil {
		return nil, fmt.Errorf("retrieve: %s is not a retrieve run directory: %w", dir, err)
	}
	if _, _, _, err := info.Config.validate(); err != nil {
		return nil, fmt.Errorf("retrieve: %s: %w", filepath.Join(dir, RunFile), err)
	}
	vocab, err := tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	cfg := info.Config
	cfg.Out = dir
	m, err := newModel(cfg, vocab)
	if err != nil {
		return nil, err
	}
	if _, err := training.LoadCheckpoint(m.ctx, filepath.Join(dir, CheckpointFile)); err != nil {
		return nil, err
	}
	if mt, err := readMetrics(dir); err == nil {
		m.Metrics = mt
	}
	return m, nil
}

// encoder is the model's transformer.
func (m *Model) encoder() models.Transformer {
	c := m.Config
	return models.Transformer{VocabSize: m.tok.Vocab().Size(), MaxLen: c.MaxLength, Dim: c.HiddenSize,
		NumHeads: c.NumAttentionHeads, NumLayers: c.NumHiddenLayers, FFNDim: c.IntermediateSize,
		Activation: models.GELU, Dropout: c.Dropout}
}

// embedGraph is the mean of the encoder's hidden states over the real (non-padding) tokens: [batch, HiddenSize].
func (m *Model) embedGraph(ctx *mlctx.Context, ids *graph.Node) *graph.Node {
	pad := graph.Scalar(ids.Graph(), ids.DType(), int(m.tok.Special().PAD))
	mask := graph.NotEqual(ids, pad)
	hidden := m.encoder().Encode(ctx.In("retrieve"), ids, nil, mask)
	w := graph.ExpandAxes(graph.ConvertDType(mask, hidden.DType()), -1)
	sum := graph.ReduceSum(graph.Mul(hidden, w), 1)
	return graph.Div(sum, graph.MaxScalar(graph.ReduceSum(w, 1), 1))
}

// lossFn feeds the embeddings of a batch of pairs (English ids, Spanish ids) to loss as its inputs ask (see the
// package documentation). The loss's value is a mean: the step's count is 1.
func (m *Model) lossFn(loss func(...*graph.Node) *graph.Node) training.BatchLossFn {
	kind := lossKind(m.Config.Loss)
	cosineEmbedding := m.Config.Loss == "CosineEmbeddingLoss"
	return func(ctx *mlctx.Context, batch []*graph.Node) (sum, count *graph.Node) {
		e, s := m.embedGraph(ctx, batch[0]), m.embedGraph(ctx, batch[1])
		g := e.Graph()
		b := e.Shape().Dimensions[0]
		shifted := func() *graph.Node { // s_{i+1}: each verse's mismatched partner
			idx := make([]int32, b)
			for i := range idx {
				idx[i] = int32((i + 1) % b)
			}
			return graph.Gather(s, graph.Reshape(graph.Const(g, idx), b, 1))
		}
		var l *graph.Node
		switch kind {
		case "in-batch":
			l = loss(e, s)
		case "labelled":
			ids := graph.Iota(g, shapes.Make(dtypes.Int32, b), 0)
			l = loss(graph.Concatenate([]*graph.Node{e, s}, 0), graph.Concatenate([]*graph.Node{ids, ids}, 0))
		case "pairs":
			neg := 0.0
			if cosineEmbedding {
				neg = -1
			}
			target := graph.Concatenate([]*graph.Node{graph.Ones(g, shapes.Make(e.DType(), b)),
				graph.Add(graph.Zeros(g, shapes.Make(e.DType(), b)), graph.Scalar(g, e.DType(), neg))}, 0)
			l = loss(graph.Concatenate([]*graph.Node{e, e}, 0), graph.Concatenate([]*graph.Node{s, shifted()}, 0),
				target)
		case "triplets":
			l = loss(e, s, shifted())
		}
		if l.Rank() > 0 {
			l = graph.ReduceAllMean(l)
		}
		return l, graph.OnesLike(l)
	}
}

// encode returns the token ids of texts, [CLS] and [SEP] added, cut and padded to MaxLength.
func (m *Model) encode(texts []string) ([][]int32, error) {
	enc, err := m.tok.EncodeBatch(texts, tokenize.EncodeOptions{Padding: tokenize.PadMaxLength,
		MaxLength: m.Config.MaxLength, Truncation: true})
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	return enc.InputIDs, nil
}

// dataset is the training data [English ids, Spanish ids] of pairs.
func (m *Model) dataset(pairs []data.VersePair) (*training.TensorDataset, error) {
	en, es := sides(pairs)
	a, err := m.encode(en)
	if err != nil {
		return nil, err
	}
	b, err := m.encode(es)
	if err != nil {
		return nil, err
	}
	return training.NewTensorDataset(a, b)
}

// Embed returns the L2-normalised embedding of each text (the mean-pooled encoder states), [len(texts)][HiddenSize].
func (m *Model) Embed(texts []string) (out [][]float32, err error) {
	if m == nil || m.tok == nil {
		return nil, fmt.Errorf("retrieve: Embed on a nil Model")
	}
	ids, err := m.encode(texts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("retrieve: embedding: %v", r)
		}
	}()
	if m.exec == nil {
		m.exec, err = mlctx.NewExec(m.backend, m.ctx.Checked(false), func(ctx *mlctx.Context, ids *graph.Node) *graph.Node {
			return graph.ConvertDType(m.embedGraph(ctx, ids), dtypes.Float32)
		})
		if err != nil {
			return nil, fmt.Errorf("retrieve: %w", err)
		}
	}
	pad := m.tok.Special().PAD
	out = make([][]float32, 0, len(ids))
	for start := 0; start < len(ids); start += embedBatch {
		chunk := make([][]int32, embedBatch)
		for i := range chunk {
			if start+i < len(ids) {
				chunk[i] = ids[start+i]
				continue
			}
			row := make([]int32, m.Config.MaxLength)
			for j := range row {
				row[j] = pad
			}
			chunk[i] = row
		}
		res, err := m.exec.Exec(tensors.FromValue(chunk))
		if err != nil {
			return nil, fmt.Errorf("retrieve: %w", err)
		}
		rows := res[0].Value().([][]float32)
		for i := 0; i < embedBatch && start+i < len(ids); i++ {
			out = append(out, normalized(rows[i]))
		}
	}
	return out, nil
}

func normalized(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// cosineScores is the matrix of dot products of normalised embeddings.
func cosineScores(q, c [][]float32) [][]float64 {
	out := make([][]float64, len(q))
	for i, a := range q {
		out[i] = make([]float64, len(c))
		for j, b := range c {
			var s float64
			for k := range a {
				s += float64(a[k]) * float64(b[k])
			}
			out[i][j] = s
		}
	}
	return out
}

// Rank embeds both sides of pairs and ranks every Spanish verse for each English one.
func (m *Model) Rank(pairs []data.VersePair) (Ranking, error) {
	en, es := sides(pairs)
	q, err := m.Embed(en)
	if err != nil {
		return Ranking{}, err
	}
	c, err := m.Embed(es)
	if err != nil {
		return Ranking{}, err
	}
	return RankScores(cosineScores(q, c))
}

// Split returns the model's data split (loaded from Config.Data when the model came from Load).
func (m *Model) Split(ctx context.Context) (*Split, error) {
	if m.split == nil {
		s, err := LoadSplit(ctx, m.Config)
		if err != nil {
			return nil, err
		}
		m.split = s
	}
	return m.split, nil
}

// Evaluate ranks the test split's Spanish verses for each of its English verses with the trained encoder.
func (m *Model) Evaluate(ctx context.Context) (Ranking, error) {
	s, err := m.Split(ctx)
	if err != nil {
		return Ranking{}, err
	}
	return m.Rank(s.Test)
}

// Search returns the k candidates most similar to query, best first (cosine similarity of the embeddings).
func (m *Model) Search(query string, candidates []string, k int) ([]Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("retrieve: k %d must be positive", k)
	}
	if len(candidates) == 0 {
		return nil, fmt.Errorf("retrieve: no candidates to search")
	}
	emb, err := m.Embed(append([]string{query}, candidates...))
	if err != nil {
		return nil, err
	}
	scores := cosineScores(emb[:1], emb[1:])[0]
	hits := make([]Hit, len(candidates))
	for j, s := range scores {
		hits[j] = Hit{Index: j, Text: candidates[j], Score: s}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	return hits[:min(k, len(hits))], nil
}

// Untrained returns the encoder of cfg before any training step, over vocab: its variables are drawn from
// cfg.Seed when it first embeds (the "before" of a before-and-after picture, and the untrained baseline).
func Untrained(cfg Config, vocab *tokenize.Vocab) (*Model, error) {
	if _, _, _, err := cfg.validate(); err != nil {
		return nil, err
	}
	m, err := newModel(cfg, vocab)
	if err != nil {
		return nil, err
	}
	if err := m.ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	return m, nil
}
