package models

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// Activation names the nonlinearity of a Transformer's feed-forward block, as PyTorch's
// nn.TransformerEncoderLayer(activation=...) does.
type Activation string

// The activations a Transformer takes.
const (
	ReLU Activation = "relu" // max(x, 0): PyTorch's default.
	GELU Activation = "gelu" // x·Φ(x) with the exact normal CDF: BERT's.
)

// DefaultLayerNormEpsilon is PyTorch's nn.LayerNorm default, used when Transformer.LayerNormEpsilon is 0.
const DefaultLayerNormEpsilon = 1e-5

// Transformer is a BERT-style transformer encoder with its two heads: a token-level head that scores every
// vocabulary entry at every position (masked language modelling), and a pooled head on the first position
// ([CLS]) for classification and next-sentence prediction.
//
// The encoder is: token embeddings + learned position embeddings (+ segment embeddings when NumSegments > 0),
// a layer norm and dropout, then NumLayers blocks of multi-head self-attention (with a padding mask) and a
// feed-forward network, each inside a residual connection with a layer norm, after it (PyTorch's default,
// norm_first=False) or before it (NormFirst). One block computes, for post-norm:
//
//	h = \mathrm{LN}(x + \mathrm{MHA}(x)), \quad y = \mathrm{LN}(h + W_2\, \mathrm{act}(W_1 h + b_1) + b_2)
//	\mathrm{MHA}(x) = W_o\,[\mathrm{softmax}(Q_i K_i^\top/\sqrt{d_h} + \mathrm{mask})\, V_i]_{i=1..H}
//
// PyTorch equivalent of one block: nn.TransformerEncoderLayer(Dim, NumHeads, FFNDim, Dropout, Activation,
// LayerNormEpsilon, batch_first=True, norm_first=NormFirst), called with src_key_padding_mask = ~mask. Unlike
// GoMLX's layers.MultiHeadAttention (v0.26), the attention logits are scaled by 1/sqrt(head dim) once.
//
// FinalNorm adds one layer norm after the last block: PyTorch's nn.TransformerEncoder(layer, NumLayers,
// norm=nn.LayerNorm(Dim)), and what pre-norm models (GPT-2, ViT, BERT variants with norm_first) put there. A
// pre-norm stack needs it: its blocks only add to the residual stream, which is never normalized, so the
// hidden states grow with depth and training (in a 4-layer pre-norm BERT on Brown without it, 94% of the
// pooler's pre-activations were beyond ±2 after 3,750 steps, where tanh's gradient is under 0.07). A post-norm
// stack already ends with a layer norm.
//
// Variables live under the context's current scope: "token_embeddings", "position_embeddings", "segment_embeddings",
// "embeddings_norm", "layer_<i>/{attention/{query,key,value,output},attention_norm, ffn/{hidden,output},ffn_norm}",
// "final_norm" (FinalNorm), "mlm/dense" and "pooler/dense", "classifier/dense". The token, position and segment
// tables start as BERT's do, from a normal of standard deviation EmbeddingInitStddev truncated at two standard
// deviations (Hugging Face: initializer_range 0.02); the other weights use the context's initializer (GoMLX's
// default: He), and layer norms start at gain 1, offset 0. (He's fan-in rule would give the tables std sqrt(2/rows):
// 0.016 for 8,000 tokens but 0.96 for 2 segments, so the segment embedding would drown the token's.) Dropout applies
// only when the context is training (GoMLX's ctx.IsTraining).
//
// TorchInit starts the linear layers as PyTorch starts its own, for comparisons with a PyTorch twin: the
// attention's query, key and value projections as nn.MultiheadAttention's packed in_proj_weight (Xavier-uniform,
// U(±sqrt(6/(4d)))) with zero biases, its output projection as nn.Linear's weight (U(±1/sqrt(d))) with a zero bias,
// and every other linear layer (feed-forward, heads) as nn.Linear, weight and bias from U(±1/sqrt(fan_in))
// (kaiming_uniform_ with a = sqrt(5)). He's default starts the weights 2.4 times larger (std sqrt(2/fan_in)
// against 1/sqrt(3 fan_in)) and the biases at zero.
type Transformer struct {
	VocabSize        int          // Number of token ids; ids must be in [0, VocabSize).
	MaxLen           int          // Longest sequence: the number of position embeddings.
	NumSegments      int          // Number of segment (token type) ids for sentence pairs; 0 for none.
	Dim              int          // Model width d; must be a multiple of NumHeads.
	NumHeads         int          // Attention heads H; each has d/H dimensions.
	NumLayers        int          // Encoder blocks.
	FFNDim           int          // Hidden width of the feed-forward network.
	Activation       Activation   // Feed-forward nonlinearity; "" means ReLU.
	NormFirst        bool         // Layer norm before each sub-block (pre-norm) instead of after it.
	FinalNorm        bool         // A layer norm after the last block (PyTorch: nn.TransformerEncoder's norm); see below.
	Dropout          float64      // Dropout rate on embeddings, attention weights and sub-block outputs.
	LayerNormEpsilon float64      // Added to the variance in every layer norm; 0 means DefaultLayerNormEpsilon.
	DType            dtypes.DType // Dtype of the variables and activations; the zero value means Float32.
	TorchInit        bool         // Start the blocks' linear layers as PyTorch's do (see below) instead of from the context's initializer.
}

// Encode returns the encoder's hidden states for a batch of token sequences.
//
// Shapes: tokens [batch, seq] of an integer dtype with seq <= MaxLen; segments [batch, seq] integer ids in
// [0, NumSegments), or nil (all segment 0; must be nil when NumSegments is 0); mask [batch, seq] bool, true at
// real tokens and false at padding, or nil for no padding. The result is [batch, seq, Dim]. Padding keys get no
// attention; padding positions still get hidden states, which the losses should ignore.
//
// It panics if the configuration is invalid or the shapes do not match.
func (m Transformer) Encode(ctx *context.Context, tokens, segments, mask *Node) *Node {
	checkTokens("Transformer.Encode", tokens, mask)
	m.check()
	batch, seq := tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1]
	if seq > m.MaxLen {
		panic(fmt.Sprintf("models: Transformer.Encode: tokens %s are longer than MaxLen %d", tokens.Shape(), m.MaxLen))
	}
	if segments != nil {
		if m.NumSegments == 0 {
			panic(fmt.Sprintf("models: Transformer.Encode: segments %s given but NumSegments is 0", segments.Shape()))
		}
		checkTokens("Transformer.Encode", segments, nil)
		if !segments.Shape().Equal(shapes.Make(segments.DType(), batch, seq)) {
			panic(fmt.Sprintf("models: Transformer.Encode: segments %s do not match tokens %s", segments.Shape(), tokens.Shape()))
		}
	}
	g := tokens.Graph()
	dtype := m.dtype()

	embedCtx := func(scope string) *context.Context {
		c := ctx.In(scope)
		return c.WithInitializer(TruncatedNormalInitializer(c, EmbeddingInitStddev))
	}
	x := layers.Embedding(embedCtx("token_embeddings"), tokens, dtype, m.VocabSize, m.Dim)
	positions := embedCtx("position_embeddings").VariableWithShape("embeddings", shapes.Make(dtype, m.MaxLen, m.Dim)).ValueGraph(g)
	if seq < m.MaxLen {
		// The first seq rows, by a Gather rather than a Slice: the gradient of Slice needs Pad, which GoMLX
		// v0.26's pure-Go backend lacks; Gather's is a ScatterSum.
		positions = Gather(positions, Iota(g, shapes.Make(dtypes.Int32, seq, 1), 0), true)
	}
	x = Add(x, InsertAxes(positions, 0))
	if m.NumSegments > 0 {
		if segments == nil {
			segments = Zeros(g, shapes.Make(dtypes.Int32, batch, seq))
		}
		x = Add(x, layers.Embedding(embedCtx("segment_embeddings"), segments, dtype, m.NumSegments, m.Dim))
	}
	x = m.layerNorm(ctx.In("embeddings_norm"), x)
	x = m.dropout(ctx, x)

	// Additive attention bias: 0 at real keys, the lowest finite value at padding keys, shaped to broadcast
	// over [batch, heads, queries, keys].
	var bias *Node
	if mask != nil {
		bias = Where(mask, ScalarZero(g, dtype), Const(g, shapes.CastAsDType(-math.MaxFloat32, dtype)))
		bias = Reshape(bias, batch, 1, 1, seq)
	}
	for i := range m.NumLayers {
		x = m.block(ctx.In(fmt.Sprintf("layer_%d", i)), x, bias)
	}
	if m.FinalNorm {
		x = m.layerNorm(ctx.In("final_norm"), x)
	}
	return x
}

// block is one encoder layer.
func (m Transformer) block(ctx *context.Context, x, bias *Node) *Node {
	if m.NormFirst {
		x = Add(x, m.dropout(ctx, m.selfAttention(ctx.In("attention"), m.layerNorm(ctx.In("attention_norm"), x), bias)))
		return Add(x, m.dropout(ctx, m.feedForward(ctx.In("ffn"), m.layerNorm(ctx.In("ffn_norm"), x))))
	}
	x = m.layerNorm(ctx.In("attention_norm"), Add(x, m.dropout(ctx, m.selfAttention(ctx.In("attention"), x, bias))))
	return m.layerNorm(ctx.In("ffn_norm"), Add(x, m.dropout(ctx, m.feedForward(ctx.In("ffn"), x))))
}

// selfAttention is multi-head scaled dot-product self-attention over x [batch, seq, dim].
func (m Transformer) selfAttention(ctx *context.Context, x, bias *Node) *Node {
	batch, seq := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	headDim := m.Dim / m.NumHeads
	project := func(name string) *Node { // [batch, seq, heads, headDim]
		return Reshape(dense(ctx, name, x, m.Dim, m.TorchInit, torchInProj), batch, seq, m.NumHeads, headDim)
	}
	query := MulScalar(project("query"), 1/math.Sqrt(float64(headDim)))
	key, value := project("key"), project("value")
	// logits[b, h, q, k] = Σ_d query[b, q, h, d]·key[b, k, h, d]
	logits := DotGeneral(query, []int{3}, []int{0, 2}, key, []int{3}, []int{0, 2})
	if bias != nil {
		logits = Add(logits, bias)
	}
	weights := m.dropout(ctx, Softmax(logits, -1))
	// out[b, h, q, d] = Σ_k weights[b, h, q, k]·value[b, k, h, d]
	out := DotGeneral(weights, []int{3}, []int{0, 1}, value, []int{1}, []int{0, 2})
	out = Reshape(TransposeAllAxes(out, 0, 2, 1, 3), batch, seq, m.Dim)
	return dense(ctx, "output", out, m.Dim, m.TorchInit, torchOutProj)
}

// feedForward is the position-wise two-layer network.
func (m Transformer) feedForward(ctx *context.Context, x *Node) *Node {
	h := dense(ctx, "hidden", x, m.FFNDim, m.TorchInit, torchLinear)
	switch m.Activation {
	case ReLU, "":
		h = activations.Relu(h)
	case GELU:
		h = activations.Gelu(h)
	}
	h = m.dropout(ctx, h)
	return dense(ctx, "output", h, m.Dim, m.TorchInit, torchLinear)
}

// MLMLogits returns the token-level head's logits over the vocabulary at every position: one linear layer
// from Dim to VocabSize (not tied to the token embeddings).
//
// Shapes: hidden [batch, seq, Dim] (Encode's output); logits [batch, seq, VocabSize]. PyTorch:
// nn.Linear(Dim, VocabSize) applied to the encoder output. For training, MLMLogitsAt computes the same head at
// the masked positions only.
func (m Transformer) MLMLogits(ctx *context.Context, hidden *Node) *Node {
	m.checkHidden("MLMLogits", hidden)
	return dense(ctx, "mlm", hidden, m.VocabSize, m.TorchInit, torchLinear)
}

// PooledLogits returns the classification head's logits from the first position ([CLS]): BERT's pooler
// (a Dim x Dim linear layer and tanh) followed by a linear layer to numClasses. Use numClasses = 2 for
// next-sentence prediction.
//
// Shapes: hidden [batch, seq, Dim] (Encode's output); logits [batch, numClasses].
//
//	\mathrm{logits} = W_c \tanh(W_p h_{\cdot,0} + b_p) + b_c
//
// PyTorch: nn.Linear(Dim, numClasses)(torch.tanh(nn.Linear(Dim, Dim)(hidden[:, 0]))).
func (m Transformer) PooledLogits(ctx *context.Context, hidden *Node, numClasses int) *Node {
	m.checkHidden("PooledLogits", hidden)
	if numClasses <= 0 {
		panic(fmt.Sprintf("models: Transformer.PooledLogits: numClasses %d must be positive", numClasses))
	}
	// hidden[:, 0], by a Gather of rows b·seq of the flattened states (Slice's gradient needs Pad, which the
	// pure-Go backend lacks).
	batch, seq := hidden.Shape().Dimensions[0], hidden.Shape().Dimensions[1]
	rows := MulScalar(Iota(hidden.Graph(), shapes.Make(dtypes.Int32, batch, 1), 0), float64(seq))
	first := Gather(Reshape(hidden, batch*seq, m.Dim), rows, true) // [batch, Dim]
	pooled := Tanh(dense(ctx, "pooler", first, m.Dim, m.TorchInit, torchLinear))
	pooled = m.dropout(ctx, pooled)
	return dense(ctx, "classifier", pooled, numClasses, m.TorchInit, torchLinear)
}

func (m Transformer) layerNorm(ctx *context.Context, x *Node) *Node {
	eps := m.LayerNormEpsilon
	if eps == 0 {
		eps = DefaultLayerNormEpsilon
	}
	return layers.LayerNormalization(ctx, x, -1).Epsilon(eps).Done()
}

func (m Transformer) dropout(ctx *context.Context, x *Node) *Node {
	if m.Dropout == 0 {
		return x
	}
	return layers.DropoutStatic(ctx, x, m.Dropout)
}

func (m Transformer) dtype() dtypes.DType { return orFloat32(m.DType) }

// check panics on an invalid configuration.
func (m Transformer) check() {
	switch {
	case m.VocabSize <= 0 || m.MaxLen <= 0 || m.Dim <= 0 || m.NumHeads <= 0 || m.NumLayers < 0 || m.FFNDim <= 0 || m.NumSegments < 0:
		panic(fmt.Sprintf("models: Transformer: VocabSize %d, MaxLen %d, Dim %d, NumHeads %d and FFNDim %d must be "+
			"positive, NumLayers %d and NumSegments %d not negative", m.VocabSize, m.MaxLen, m.Dim, m.NumHeads, m.FFNDim,
			m.NumLayers, m.NumSegments))
	case m.Dim%m.NumHeads != 0:
		panic(fmt.Sprintf("models: Transformer: Dim %d is not a multiple of NumHeads %d", m.Dim, m.NumHeads))
	case m.Activation != "" && m.Activation != ReLU && m.Activation != GELU:
		panic(fmt.Sprintf("models: Transformer: unknown Activation %q (want %q or %q)", m.Activation, ReLU, GELU))
	case m.Dropout < 0 || m.Dropout >= 1:
		panic(fmt.Sprintf("models: Transformer: Dropout %g must be in [0, 1)", m.Dropout))
	}
}

func (m Transformer) checkHidden(where string, hidden *Node) {
	if hidden.Rank() != 3 || hidden.Shape().Dimensions[2] != m.Dim {
		panic(fmt.Sprintf("models: Transformer.%s: hidden %s must be [batch, seq, %d]", where, hidden.Shape(), m.Dim))
	}
}

// EmbeddingInitStddev is the standard deviation (before truncation) of the Transformer's embedding tables at
// initialisation: BERT's initializer_range.
const EmbeddingInitStddev = 0.02

// linearKind is which PyTorch layer a linear layer stands for, and so how it starts under TorchInit.
type linearKind int

const (
	torchLinear  linearKind = iota // nn.Linear: weight and bias from U(±1/sqrt(fan_in)).
	torchInProj                    // nn.MultiheadAttention's in_proj (query, key, value): Xavier-uniform, zero bias.
	torchOutProj                   // nn.MultiheadAttention's out_proj: nn.Linear's weight, zero bias.
)

// dense is layers.Dense(ctx.In(name), x, true, outputs): weights [fan_in, outputs] and biases [outputs]. With
// torchInit it starts as its PyTorch twin does (see Transformer.TorchInit); otherwise as the context's initializer
// says. The random numbers come from ctx.
func dense(ctx *context.Context, name string, x *Node, outputs int, torchInit bool, kind linearKind) *Node {
	c := ctx.In(name)
	if torchInit {
		fanIn := x.Shape().Dimensions[x.Rank()-1]
		weightBound, biasBound := 1/math.Sqrt(float64(fanIn)), 1/math.Sqrt(float64(fanIn))
		switch kind {
		case torchInProj:
			// xavier_uniform_ on the packed [3d, d] in_proj_weight: fan_in d, fan_out 3d.
			weightBound, biasBound = math.Sqrt(6/float64(fanIn+3*outputs)), 0
		case torchOutProj:
			biasBound = 0
		}
		c = c.WithInitializer(func(g *Graph, shape shapes.Shape) *Node {
			bound := weightBound
			if shape.Rank() <= 1 {
				bound = biasBound
			}
			if bound == 0 || !shape.DType.IsFloat() {
				return Zeros(g, shape)
			}
			return MulScalar(AddScalar(MulScalar(ctx.RandomUniform(g, shape), 2), -1), bound)
		})
	}
	return layers.Dense(c, x, true, outputs)
}

// BERTInitializer returns the variable initializer BERT starts its linear layers with: weights (rank 2 and up)
// from TruncatedNormalInitializer(ctx, stddev), biases and other rank-0 and rank-1 variables at zero. With stddev
// EmbeddingInitStddev (0.02) it is Hugging Face's BertPreTrainedModel._init_weights for nn.Linear (which draws an
// untruncated normal; TensorFlow's BERT truncates, as this does). Set it as the context's initializer
// (ctx.WithInitializer) before a Transformer creates its variables; layer norms keep gain 1 and offset 0, and the
// embedding tables start as BERT's either way.
func BERTInitializer(ctx *context.Context, stddev float64) context.VariableInitializer {
	normal := TruncatedNormalInitializer(ctx, stddev)
	return func(g *Graph, shape shapes.Shape) *Node {
		if shape.Rank() < 2 {
			return Zeros(g, shape)
		}
		return normal(g, shape)
	}
}

// TruncatedNormalInitializer returns a variable initializer drawing from a normal of mean 0 and standard
// deviation stddev, truncated to [-2 stddev, 2 stddev] (TensorFlow's truncated_normal, which BERT uses; the
// result's standard deviation is 0.88 stddev). Values outside are drawn again, four times (4.6% of draws fall
// outside each time, so about 4e-6 are left), and the rest clipped to the bounds. Non-float variables start
// at zero. The random numbers come from ctx, as GoMLX's own initializers do.
func TruncatedNormalInitializer(ctx *context.Context, stddev float64) context.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		if !shape.DType.IsFloat() {
			return Zeros(g, shape)
		}
		x := ctx.RandomNormal(g, shape)
		for range 4 {
			outside := GreaterThan(Abs(x), Scalar(g, shape.DType, 2))
			x = Where(outside, ctx.RandomNormal(g, shape), x)
		}
		x = Clip(x, Scalar(g, shape.DType, -2), Scalar(g, shape.DType, 2))
		return MulScalar(x, stddev)
	}
}
