package pretrain

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/lib/data"
	"github.com/lossbook/lossbook/lib/models"
	"github.com/lossbook/lossbook/lib/tokenize"
	"github.com/lossbook/lossbook/training"
)

// runInfo is run.json.
type runInfo struct {
	Task string `json:"task"`
	Config
}

// heldOut builds the held-out NSP pairs (masked with their own seed) and the held-out documents.
func heldOut(cfg Config, tok *tokenize.Tokenizer, corpus *Corpus) (*pairDataset, [][][]int32, error) {
	evalDocs := encodeDocs(tok, corpus.Eval)
	segments, err := cfg.segments(evalDocs)
	if err != nil {
		return nil, nil, err
	}
	pairs, err := data.NSPPairs(segments, cfg.Seed+1)
	if err != nil {
		return nil, nil, err
	}
	if cfg.MaxEvalPairs > 0 && len(pairs) > cfg.MaxEvalPairs {
		pairs = pairs[:cfg.MaxEvalPairs]
	}
	return &pairDataset{pairs: pairs, special: tok.Special(), vocab: cfg.VocabSize, seq: cfg.MaxSeqLength,
		mlmProb: cfg.MLMProbability, seed: cfg.Seed + 2}, evalDocs, nil
}

// Load reads a run directory written by Train: its configuration, vocabulary, model variables and metrics. The
// held-out pairs are rebuilt from the corpus (from the cache) at the first Evaluate.
func Load(dir string) (*Model, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	vocab, err := tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return nil, err
	}
	tok, err := tokenize.New(vocab, tokenize.Uncased())
	if err != nil {
		return nil, err
	}
	backend, err := lib.Backend()
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Tokenizer: tok, Encoder: cfg.model(), Context: mlctx.New(), Dir: dir, backend: backend,
		opt: training.NewAdamW()}
	if _, err := training.LoadCheckpoint(m.Context, filepath.Join(dir, CheckpointFile)); err != nil {
		return nil, err
	}
	if met, err := readMetrics(dir); err == nil {
		m.Metrics = met
	}
	return m, nil
}

// EvaluateHeldOut is Evaluate for a loaded model: it first rebuilds the held-out pairs from the run's corpus
// (fetched or found in the cache as opts says), as Train built them.
func (m *Model) EvaluateHeldOut(ctx context.Context, opts data.Options) (Eval, error) {
	if m.evalPairs == nil {
		corpus, err := LoadCorpus(ctx, m.Config.Corpus, m.Config.EvalFraction, m.Config.Seed, m.Config.MaxDocuments, opts)
		if err != nil {
			return Eval{}, err
		}
		return m.EvaluateCorpus(corpus)
	}
	return m.Evaluate()
}

// EvaluateCorpus evaluates the model on the held-out documents of corpus (its Eval part), paired and masked
// as Train does it.
func (m *Model) EvaluateCorpus(corpus *Corpus) (Eval, error) {
	pairs, _, err := heldOut(m.Config, m.Tokenizer, corpus)
	if err != nil {
		return Eval{}, err
	}
	m.evalPairs = pairs
	return m.Evaluate()
}

// encoderScopes are the scopes (under ModelScope) that LoadEncoder copies: everything but the MLM head and the
// NSP classifier.
func isEncoderScope(rel string) bool {
	return !strings.HasPrefix(rel, "mlm/") && !strings.HasPrefix(rel, "classifier/") && rel != "mlm" && rel != "classifier"
}

// LoadEncoder loads the pre-trained encoder of the run directory dir into ctx, for fine-tuning a
// models.Transformer classifier (the text-classification task's --init PRETRAIN_DIR). It returns the encoder's
// architecture (build the classifier with exactly this Transformer, changing only Dropout if wanted) and the
// run's tokenizer (encode the downstream texts with it: the embedding rows are its ids).
//
// The variables are created (or overwritten, when ctx already has them with the same shapes) at ctx's current
// scope, under the names models.Transformer gives them there:
//
//	token_embeddings/embeddings, position_embeddings/embeddings, segment_embeddings/embeddings,
//	embeddings_norm/{gain,offset}, layer_<i>/attention/{query,key,value,output}/dense/{weights,biases},
//	layer_<i>/{attention_norm,ffn_norm}/{gain,offset}, layer_<i>/ffn/{hidden,output}/dense/{weights,biases},
//	pooler/dense/{weights,biases}
//
// (the pooler, BERT's tanh layer on [CLS], is pre-trained by NSP). The MLM head ("mlm/...") and the NSP classifier
// ("classifier/dense/...", 2 classes) are not loaded: the classifier's "classifier/dense" starts fresh with its
// own number of classes. So a caller does:
//
//	enc, tok, err := pretrain.LoadEncoder(dir, ctx.In("model"))
//	// then, in the graph: hidden := enc.Encode(ctx.In("model"), ids, types, mask);
//	// logits := enc.PooledLogits(ctx.In("model"), hidden, numClasses)
//
// An optimizer then trains the loaded variables and the new classifier alike; its state starts empty, as
// torch's after load_state_dict. It returns an error, naming the file or the variable, for a missing or corrupt
// run directory, a run of another task, or a variable that ctx already has with another shape (a different
// architecture).
func LoadEncoder(dir string, ctx *mlctx.Context) (models.Transformer, *tokenize.Tokenizer, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return models.Transformer{}, nil, err
	}
	vocab, err := tokenize.LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return models.Transformer{}, nil, err
	}
	tok, err := tokenize.New(vocab, tokenize.Uncased())
	if err != nil {
		return models.Transformer{}, nil, err
	}
	src := mlctx.New()
	if _, err := training.LoadCheckpoint(src, filepath.Join(dir, CheckpointFile)); err != nil {
		return models.Transformer{}, nil, err
	}
	prefix := "/" + ModelScope + "/"
	type item struct {
		scope, name string
		value       *tensors.Tensor
	}
	var items []item
	for v := range src.IterVariables() {
		scope := v.Scope()
		if !strings.HasPrefix(scope+"/", prefix) {
			continue
		}
		rel := strings.TrimPrefix(scope+"/", prefix)
		rel = strings.TrimSuffix(rel, "/")
		if !isEncoderScope(rel) {
			continue
		}
		items = append(items, item{rel, v.Name(), v.MustValue()})
	}
	if len(items) == 0 {
		return models.Transformer{}, nil, fmt.Errorf("pretrain: LoadEncoder: %s holds no variables under /%s", dir, ModelScope)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].scope+"/"+items[i].name < items[j].scope+"/"+items[j].name })
	for _, it := range items {
		c := ctx
		for _, part := range strings.Split(it.scope, "/") {
			if part != "" {
				c = c.In(part)
			}
		}
		if v := c.GetVariableByScopeAndName(c.Scope(), it.name); v != nil {
			if !v.Shape().Equal(it.value.Shape()) {
				return models.Transformer{}, nil, fmt.Errorf("pretrain: LoadEncoder: %s/%s is %s in %s but %s in the context",
					c.Scope(), it.name, it.value.Shape(), dir, v.Shape())
			}
			if err := v.SetValue(it.value); err != nil {
				return models.Transformer{}, nil, err
			}
			continue
		}
		c.Checked(false).VariableWithValue(it.name, it.value)
	}
	return cfg.model(), tok, nil
}

// Prediction is one candidate for a masked position.
type Prediction struct {
	Token       string
	Probability float64
}

// FillMask predicts the tokens at the [MASK] positions of text (written "[MASK]" in the text): for each, the k
// most probable tokens with their probabilities, from the MLM head (softmax over the vocabulary). It returns an
// error when text has no [MASK] or is longer than the model's MaxSeqLength.
func (m *Model) FillMask(text string, k int) ([][]Prediction, error) {
	special := m.Tokenizer.Special()
	ids := append(append([]int32{special.CLS}, m.Tokenizer.Encode(text)...), special.SEP)
	if len(ids) > m.Config.MaxSeqLength {
		return nil, fmt.Errorf("pretrain: FillMask: %d tokens, the model takes at most %d", len(ids), m.Config.MaxSeqLength)
	}
	var positions []int32
	for i, id := range ids {
		if id == special.MASK {
			positions = append(positions, int32(i))
		}
	}
	if len(positions) == 0 {
		return nil, fmt.Errorf("pretrain: FillMask: no [MASK] in %q", text)
	}
	mask := make([]bool, len(ids))
	for i := range mask {
		mask[i] = true
	}
	probs, err := mlctx.ExecOnce(m.backend, m.Context.Reuse(), func(ctx *mlctx.Context, tok, msk, pos *Node) *Node {
		ctx.SetTraining(tok.Graph(), false)
		hidden := m.Encoder.Encode(ctx.In(ModelScope), tok, nil, msk)
		return Softmax(ConvertDType(m.Encoder.MLMLogitsAt(ctx.In(ModelScope), hidden, pos), dtypes.Float64), -1)
	}, [][]int32{ids}, [][]bool{mask}, positions)
	if err != nil {
		return nil, fmt.Errorf("pretrain: FillMask: %w", err)
	}
	flat := tensors.MustCopyFlatData[float64](probs)
	vocab := m.Encoder.VocabSize
	out := make([][]Prediction, len(positions))
	for i := range positions {
		row := flat[i*vocab : (i+1)*vocab]
		order := make([]int, vocab)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return row[order[a]] > row[order[b]] })
		for _, j := range order[:min(k, vocab)] {
			out[i] = append(out[i], Prediction{Token: m.Tokenizer.Vocab().Token(int32(j)), Probability: row[j]})
		}
	}
	return out, nil
}

// writeJSON writes v to path through training.WriteJSONFile (indented JSON, temporary file, rename).
func writeJSON(path string, v any) error {
	if err := training.WriteJSONFile(path, v); err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	return nil
}

// readConfig reads the Config of a run directory's run.json, checking that it is a pre-training run.
func readConfig(dir string) (Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return Config{}, fmt.Errorf("pretrain: %s is not a run directory: %w", dir, err)
	}
	var info runInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return Config{}, fmt.Errorf("pretrain: %s: %w", filepath.Join(dir, RunFile), err)
	}
	if info.Task != "pretrain" {
		return Config{}, fmt.Errorf("pretrain: %s is a %q run, want \"pretrain\"", dir, info.Task)
	}
	info.Config.OutputDir = dir
	return info.Config, info.Config.Validate()
}

// readMetrics reads a run directory's metrics.json.
func readMetrics(dir string) (*Metrics, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		return nil, err
	}
	var met Metrics
	if err := json.Unmarshal(b, &met); err != nil {
		return nil, fmt.Errorf("pretrain: %s: %w", filepath.Join(dir, MetricsFile), err)
	}
	return &met, nil
}
