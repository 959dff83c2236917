package models

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// Seq2Seq is an encoder-decoder transformer for translation ("Attention Is All You Need", Vaswani et al.
// 2017): the Transformer encoder reads the source, and a decoder of DecoderLayers blocks reads the target so far
// and predicts its next token. Each decoder block is causal multi-head self-attention (a position sees itself
// and the positions before it), multi-head cross-attention over the encoder's states (padding of the source
// gets no attention), and the feed-forward network, each in a residual connection with a layer norm after it
// (post-norm, PyTorch's default) or before it (NormFirst, which also adds a final layer norm after the last
// encoder block and after the last decoder block, as nn.Transformer(norm_first=True) does). For post-norm:
//
//	h_1 = \mathrm{LN}(y + \mathrm{MHA}(y, y, y; \mathrm{causal}))
//	h_2 = \mathrm{LN}(h_1 + \mathrm{MHA}(h_1, m, m; \mathrm{source\ mask}))
//	h_3 = \mathrm{LN}(h_2 + \mathrm{FFN}(h_2))
//
// The output layer scores every target token: logits = h W^T + b, where W is the decoder's token embedding
// table when TieOutput is set (Press & Wolf 2017) and a separate [TargetVocabSize, Dim] matrix otherwise. A
// joint vocabulary is SourceVocabSize == TargetVocabSize; the two embedding tables stay separate.
//
// PyTorch equivalent (up to the embeddings): nn.Transformer(Dim, NumHeads, EncoderLayers, DecoderLayers, FFNDim,
// Dropout, Activation, batch_first=True, norm_first=NormFirst) with src_key_padding_mask = ~sourceMask,
// memory_key_padding_mask = ~sourceMask and tgt_mask = the causal mask. The embeddings are the Transformer's
// (token + learned position, a layer norm, dropout).
//
// Variables: "encoder/..." (Transformer's names), "encoder/final_norm" (NormFirst), "decoder/token_embeddings",
// "decoder/position_embeddings", "decoder/embeddings_norm", "decoder/layer_<i>/{self_attention/{query,key,
// value,output},self_attention_norm,cross_attention/{...},cross_attention_norm,ffn/{hidden,output},ffn_norm}",
// "decoder/final_norm" (NormFirst), "decoder/output" (the output layer's bias, and its weights unless tied).
type Seq2Seq struct {
	SourceVocabSize  int          // Source token ids must be in [0, SourceVocabSize).
	TargetVocabSize  int          // Target token ids must be in [0, TargetVocabSize); the logits' last axis.
	MaxLen           int          // Longest source and longest target: the number of position embeddings.
	Dim              int          // Model width d; a multiple of NumHeads.
	NumHeads         int          // Attention heads.
	EncoderLayers    int          // Encoder blocks.
	DecoderLayers    int          // Decoder blocks.
	FFNDim           int          // Hidden width of the feed-forward networks.
	Activation       Activation   // Feed-forward nonlinearity; "" means ReLU.
	NormFirst        bool         // Pre-norm blocks (and a final layer norm) instead of post-norm.
	TieOutput        bool         // The output layer's weights are the decoder's token embeddings.
	Dropout          float64      // Dropout on embeddings, attention weights and sub-block outputs, when training.
	LayerNormEpsilon float64      // 0 means DefaultLayerNormEpsilon.
	DType            dtypes.DType // Zero value means Float32.
	TorchInit        bool         // Start the linear layers as nn.Transformer's do (see Transformer.TorchInit).
}

// encoder is the Transformer that reads the source.
func (m Seq2Seq) encoder() Transformer {
	return Transformer{VocabSize: m.SourceVocabSize, MaxLen: m.MaxLen, Dim: m.Dim, NumHeads: m.NumHeads,
		NumLayers: m.EncoderLayers, FFNDim: m.FFNDim, Activation: m.Activation, NormFirst: m.NormFirst,
		Dropout: m.Dropout, LayerNormEpsilon: m.LayerNormEpsilon, DType: m.DType, TorchInit: m.TorchInit}
}

// block is the Transformer holding the decoder's shared settings (its helpers: layer norm, dropout, FFN).
func (m Seq2Seq) block() Transformer {
	t := m.encoder()
	t.VocabSize, t.NumLayers = m.TargetVocabSize, m.DecoderLayers
	return t
}

func (m Seq2Seq) check(where string) {
	if m.TargetVocabSize <= 0 || m.DecoderLayers < 0 {
		panic(fmt.Sprintf("models: Seq2Seq.%s: TargetVocabSize %d must be positive and DecoderLayers %d not negative",
			where, m.TargetVocabSize, m.DecoderLayers))
	}
	m.encoder().check()
}

// Encode returns the encoder's states for a batch of sources: [batch, srcLen, Dim].
//
// Shapes: source [batch, srcLen] integer ids; sourceMask [batch, srcLen] bool, true at real tokens, or nil.
// Panics if the configuration or the shapes are invalid.
func (m Seq2Seq) Encode(ctx *context.Context, source, sourceMask *Node) *Node {
	m.check("Encode")
	ctx = ctx.In("encoder")
	h := m.encoder().Encode(ctx, source, nil, sourceMask)
	if m.NormFirst {
		h = m.block().layerNorm(ctx.In("final_norm"), h)
	}
	return h
}

// Logits returns the decoder's next-token logits at every target position, with teacher forcing: position t
// sees target[:, :t+1] and all of the source. The target is the decoder's input ([BOS] y1 ... yn, padded at the
// end: padding needs no mask, since a real position never attends to a later one).
//
// Shapes: memory [batch, srcLen, Dim] (Encode's); sourceMask [batch, srcLen] bool or nil; target [batch, tgtLen]
// integer ids with tgtLen <= MaxLen; the result is [batch, tgtLen, TargetVocabSize].
func (m Seq2Seq) Logits(ctx *context.Context, memory, sourceMask, target *Node) *Node {
	m.check("Logits")
	checkTokens("Seq2Seq.Logits", target, nil)
	batch, tgtLen := target.Shape().Dimensions[0], target.Shape().Dimensions[1]
	m.checkMemory("Logits", memory, sourceMask, batch)
	if tgtLen > m.MaxLen {
		panic(fmt.Sprintf("models: Seq2Seq.Logits: target %s is longer than MaxLen %d", target.Shape(), m.MaxLen))
	}
	g := target.Graph()
	dctx := ctx.In("decoder")
	positions := Iota(g, shapes.Make(dtypes.Int32, tgtLen), 0)
	x := m.embedTarget(dctx, target, positions)
	// causal[q, k] = k <= q, as an additive bias over [batch, heads, q, k].
	causal := GreaterOrEqual(Iota(g, shapes.Make(dtypes.Int32, tgtLen, tgtLen), 0), Iota(g, shapes.Make(dtypes.Int32, tgtLen, tgtLen), 1))
	selfBias := Reshape(m.maskBias(causal), 1, 1, tgtLen, tgtLen)
	crossBias := m.sourceBias(sourceMask)
	for i := range m.DecoderLayers {
		lctx := dctx.In(fmt.Sprintf("layer_%d", i))
		selfKV := func(h *Node) (k, v *Node) {
			return m.project(lctx.In("self_attention"), "key", h), m.project(lctx.In("self_attention"), "value", h)
		}
		crossK, crossV := m.crossKV(lctx, memory)
		x = m.decoderBlock(lctx, x, selfKV, selfBias, crossK, crossV, crossBias)
	}
	return m.output(dctx, x)
}

// DecodeCache holds what incremental decoding keeps between steps: per decoder layer, the self-attention keys
// and values of the positions decoded so far ([rows, MaxLen, NumHeads, Dim/NumHeads], zero after them), and
// the cross-attention keys and values of the source ([rows, srcLen, NumHeads, Dim/NumHeads], fixed).
type DecodeCache struct {
	SelfKeys, SelfValues   []*Node
	CrossKeys, CrossValues []*Node
}

// Nodes returns the cache's tensors in one list (self keys, self values, cross keys, cross values, each by
// layer), to pass between graph executions; CacheFromNodes undoes it.
func (c *DecodeCache) Nodes() []*Node {
	var out []*Node
	for _, l := range [][]*Node{c.SelfKeys, c.SelfValues, c.CrossKeys, c.CrossValues} {
		out = append(out, l...)
	}
	return out
}

// CacheFromNodes rebuilds a DecodeCache from DecodeCache.Nodes' list.
func (m Seq2Seq) CacheFromNodes(nodes []*Node) *DecodeCache {
	n := m.DecoderLayers
	if len(nodes) != 4*n {
		panic(fmt.Sprintf("models: Seq2Seq.CacheFromNodes: %d nodes, want 4 x DecoderLayers = %d", len(nodes), 4*n))
	}
	return &DecodeCache{SelfKeys: nodes[:n], SelfValues: nodes[n : 2*n], CrossKeys: nodes[2*n : 3*n], CrossValues: nodes[3*n:]}
}

// NewDecodeCache returns the cache before the first step: empty self-attention caches and the cross-attention
// keys and values of memory [rows, srcLen, Dim] (Encode's output).
func (m Seq2Seq) NewDecodeCache(ctx *context.Context, memory *Node) *DecodeCache {
	m.check("NewDecodeCache")
	m.checkMemory("NewDecodeCache", memory, nil, memory.Shape().Dimensions[0])
	rows := memory.Shape().Dimensions[0]
	c := &DecodeCache{}
	dctx := ctx.In("decoder")
	for i := range m.DecoderLayers {
		k, v := m.crossKV(dctx.In(fmt.Sprintf("layer_%d", i)), memory)
		c.CrossKeys, c.CrossValues = append(c.CrossKeys, k), append(c.CrossValues, v)
		empty := Zeros(memory.Graph(), shapes.Make(m.block().dtype(), rows, m.MaxLen, m.NumHeads, m.Dim/m.NumHeads))
		c.SelfKeys, c.SelfValues = append(c.SelfKeys, empty), append(c.SelfValues, empty)
	}
	return c
}

// DecodeStep decodes one position for every row: given the token at position (a scalar int32: 0 for [BOS]),
// it returns the logits of the next token, [rows, TargetVocabSize], and the cache with this position's keys and
// values added. parents [rows] int32, if not nil, first reorders the cache's rows (row r continues the
// hypothesis of row parents[r], as beam search needs); nil keeps them. Decoding tokens y_0..y_t one step at a
// time gives Logits(...)[:, t] of the same tokens (up to rounding).
//
// Shapes: token [rows] integer ids; position a scalar integer in [0, MaxLen); sourceMask [rows, srcLen] bool
// or nil.
func (m Seq2Seq) DecodeStep(ctx *context.Context, cache *DecodeCache, token, position, parents, sourceMask *Node) (*Node, *DecodeCache) {
	m.check("DecodeStep")
	if token.Rank() != 1 || !token.DType().IsInt() || !position.Shape().IsScalar() || !position.DType().IsInt() {
		panic(fmt.Sprintf("models: Seq2Seq.DecodeStep: token %s must be [rows] and position %s a scalar, both integer",
			token.Shape(), position.Shape()))
	}
	if len(cache.SelfKeys) != m.DecoderLayers || len(cache.SelfValues) != m.DecoderLayers ||
		len(cache.CrossKeys) != m.DecoderLayers || len(cache.CrossValues) != m.DecoderLayers {
		panic(fmt.Sprintf("models: Seq2Seq.DecodeStep: the cache has %d/%d/%d/%d layers, want %d", len(cache.SelfKeys),
			len(cache.SelfValues), len(cache.CrossKeys), len(cache.CrossValues), m.DecoderLayers))
	}
	rows := token.Shape().Dimensions[0]
	if parents != nil && (!parents.DType().IsInt() || parents.Rank() != 1 || parents.Shape().Dimensions[0] != rows) {
		panic(fmt.Sprintf("models: Seq2Seq.DecodeStep: parents %s must be [%d] integer", parents.Shape(), rows))
	}
	if sourceMask != nil && sourceMask.Shape().Dimensions[0] != rows {
		panic(fmt.Sprintf("models: Seq2Seq.DecodeStep: sourceMask %s does not match token %s", sourceMask.Shape(), token.Shape()))
	}
	g := token.Graph()
	position = ConvertDType(position, dtypes.Int32)
	dctx := ctx.In("decoder")
	x := m.embedTarget(dctx, Reshape(token, rows, 1), Reshape(position, 1))
	// Keys at positions <= position are visible.
	visible := LessOrEqual(Iota(g, shapes.Make(dtypes.Int32, m.MaxLen), 0), position)
	selfBias := Reshape(m.maskBias(visible), 1, 1, 1, m.MaxLen)
	at := ConvertDType(Reshape(Equal(Iota(g, shapes.Make(dtypes.Int32, m.MaxLen), 0), position), 1, m.MaxLen, 1, 1), m.block().dtype())
	crossBias := m.sourceBias(sourceMask)
	out := &DecodeCache{CrossKeys: cache.CrossKeys, CrossValues: cache.CrossValues}
	for i := range m.DecoderLayers {
		lctx := dctx.In(fmt.Sprintf("layer_%d", i))
		keys, values := cache.SelfKeys[i], cache.SelfValues[i]
		if parents != nil {
			idx := Reshape(ConvertDType(parents, dtypes.Int32), rows, 1)
			keys, values = Gather(keys, idx, false), Gather(values, idx, false)
		}
		selfKV := func(h *Node) (k, v *Node) {
			// The cache is zero at position and after it, so adding the one-hot row writes this position.
			k = Add(keys, Mul(at, m.project(lctx.In("self_attention"), "key", h)))
			v = Add(values, Mul(at, m.project(lctx.In("self_attention"), "value", h)))
			out.SelfKeys, out.SelfValues = append(out.SelfKeys, k), append(out.SelfValues, v)
			return k, v
		}
		x = m.decoderBlock(lctx, x, selfKV, selfBias, cache.CrossKeys[i], cache.CrossValues[i], crossBias)
	}
	return Reshape(m.output(dctx, x), rows, m.TargetVocabSize), out
}

// embedTarget is token + position embeddings, layer norm and dropout: tokens [batch, n], positions [n] int32.
func (m Seq2Seq) embedTarget(dctx *context.Context, tokens, positions *Node) *Node {
	t := m.block()
	dtype := t.dtype()
	embedCtx := func(scope string) *context.Context {
		c := dctx.In(scope)
		return c.WithInitializer(TruncatedNormalInitializer(c, EmbeddingInitStddev))
	}
	// (layers.Embedding reads a last axis of size 1 as the index axis: reshape back to [batch, n, Dim].)
	x := Reshape(layers.Embedding(embedCtx("token_embeddings"), tokens, dtype, m.TargetVocabSize, m.Dim),
		tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1], m.Dim)
	table := embedCtx("position_embeddings").VariableWithShape("embeddings", shapes.Make(dtype, m.MaxLen, m.Dim)).ValueGraph(tokens.Graph())
	n := positions.Shape().Dimensions[0]
	pos := Gather(table, Reshape(positions, n, 1), true) // [n, Dim]
	x = Add(x, InsertAxes(pos, 0))
	x = t.layerNorm(dctx.In("embeddings_norm"), x)
	return t.dropout(dctx, x)
}

// decoderBlock is one decoder layer over x [batch, q, Dim]; selfKV returns the self-attention keys and values
// for the layer-normed input (in pre-norm) or x (post-norm).
func (m Seq2Seq) decoderBlock(ctx *context.Context, x *Node, selfKV func(*Node) (k, v *Node), selfBias, crossK, crossV, crossBias *Node) *Node {
	t := m.block()
	selfAttn := func(h *Node) *Node {
		k, v := selfKV(h)
		return m.attend(ctx.In("self_attention"), m.project(ctx.In("self_attention"), "query", h), k, v, selfBias)
	}
	crossAttn := func(h *Node) *Node {
		return m.attend(ctx.In("cross_attention"), m.project(ctx.In("cross_attention"), "query", h), crossK, crossV, crossBias)
	}
	if m.NormFirst {
		x = Add(x, t.dropout(ctx, selfAttn(t.layerNorm(ctx.In("self_attention_norm"), x))))
		x = Add(x, t.dropout(ctx, crossAttn(t.layerNorm(ctx.In("cross_attention_norm"), x))))
		return Add(x, t.dropout(ctx, t.feedForward(ctx.In("ffn"), t.layerNorm(ctx.In("ffn_norm"), x))))
	}
	x = t.layerNorm(ctx.In("self_attention_norm"), Add(x, t.dropout(ctx, selfAttn(x))))
	x = t.layerNorm(ctx.In("cross_attention_norm"), Add(x, t.dropout(ctx, crossAttn(x))))
	return t.layerNorm(ctx.In("ffn_norm"), Add(x, t.dropout(ctx, t.feedForward(ctx.In("ffn"), x))))
}

// crossKV is the cross-attention keys and values of memory for one layer.
func (m Seq2Seq) crossKV(lctx *context.Context, memory *Node) (k, v *Node) {
	c := lctx.In("cross_attention")
	return m.project(c, "key", memory), m.project(c, "value", memory)
}

// project is a linear layer to [batch, n, NumHeads, Dim/NumHeads].
func (m Seq2Seq) project(ctx *context.Context, name string, x *Node) *Node {
	batch, n := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	return Reshape(dense(ctx, name, x, m.Dim, m.TorchInit, torchInProj), batch, n, m.NumHeads, m.Dim/m.NumHeads)
}

// attend is scaled dot-product attention of query [b, q, H, dh] over key, value [b, k, H, dh] with an additive
// bias broadcasting to [b, H, q, k], followed by the output projection: [b, q, Dim].
func (m Seq2Seq) attend(ctx *context.Context, query, key, value, bias *Node) *Node {
	batch, q := query.Shape().Dimensions[0], query.Shape().Dimensions[1]
	headDim := m.Dim / m.NumHeads
	query = MulScalar(query, 1/math.Sqrt(float64(headDim)))
	logits := DotGeneral(query, []int{3}, []int{0, 2}, key, []int{3}, []int{0, 2}) // [b, H, q, k]
	if bias != nil {
		logits = Add(logits, bias)
	}
	weights := m.block().dropout(ctx, Softmax(logits, -1))
	out := DotGeneral(weights, []int{3}, []int{0, 1}, value, []int{1}, []int{0, 2}) // [b, H, q, dh]
	out = Reshape(TransposeAllAxes(out, 0, 2, 1, 3), batch, q, m.Dim)
	return dense(ctx, "output", out, m.Dim, m.TorchInit, torchOutProj)
}

// output is the final norm (pre-norm) and the output layer: [batch, n, TargetVocabSize].
func (m Seq2Seq) output(dctx *context.Context, x *Node) *Node {
	t := m.block()
	if m.NormFirst {
		x = t.layerNorm(dctx.In("final_norm"), x)
	}
	if !m.TieOutput {
		return dense(dctx, "output", x, m.TargetVocabSize, m.TorchInit, torchLinear)
	}
	g := x.Graph()
	// The table embedTarget created (read without VariableWithShape, which would replace its initializer).
	tv := dctx.GetVariableByScopeAndName(dctx.In("token_embeddings").Scope(), "embeddings")
	if tv == nil {
		panic("models: Seq2Seq: TieOutput: the decoder's token embeddings do not exist yet")
	}
	table := tv.ValueGraph(g)
	bias := dctx.In("output").WithInitializer(func(g *Graph, s shapes.Shape) *Node { return Zeros(g, s) }).
		VariableWithShape("biases", shapes.Make(t.dtype(), m.TargetVocabSize)).ValueGraph(g)
	logits := DotGeneral(x, []int{2}, nil, table, []int{1}, nil) // [batch, n, V]
	return Add(logits, Reshape(bias, 1, 1, m.TargetVocabSize))
}

// maskBias is 0 where visible, the lowest finite value elsewhere.
func (m Seq2Seq) maskBias(visible *Node) *Node {
	dtype := m.block().dtype()
	g := visible.Graph()
	return Where(visible, ScalarZero(g, dtype), Const(g, shapes.CastAsDType(-math.MaxFloat32, dtype)))
}

// sourceBias is the cross-attention bias [batch, 1, 1, srcLen] of a source mask, or nil.
func (m Seq2Seq) sourceBias(sourceMask *Node) *Node {
	if sourceMask == nil {
		return nil
	}
	d := sourceMask.Shape().Dimensions
	return Reshape(m.maskBias(sourceMask), d[0], 1, 1, d[1])
}

func (m Seq2Seq) checkMemory(where string, memory, sourceMask *Node, batch int) {
	if memory.Rank() != 3 || memory.Shape().Dimensions[0] != batch || memory.Shape().Dimensions[2] != m.Dim {
		panic(fmt.Sprintf("models: Seq2Seq.%s: memory %s must be [%d, srcLen, %d]", where, memory.Shape(), batch, m.Dim))
	}
	if sourceMask != nil && (sourceMask.DType() != dtypes.Bool || sourceMask.Rank() != 2 ||
		sourceMask.Shape().Dimensions[0] != batch || sourceMask.Shape().Dimensions[1] != memory.Shape().Dimensions[1]) {
		panic(fmt.Sprintf("models: Seq2Seq.%s: sourceMask %s does not match memory %s (want Bool [%d, %d])", where,
			sourceMask.Shape(), memory.Shape(), batch, memory.Shape().Dimensions[1]))
	}
}
