package losses

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// This file holds the losses that learn representations rather than labels: in-batch negatives (InfoNCE as
// sentence-transformers' MultipleNegativesRankingLoss, its symmetric CLIP form, SimCLR's NT-Xent), the pairwise
// contrastive loss, batch-mined triplet losses, CoSENT and PyTorch's TripletMarginWithDistanceLoss. The explicit
// triplet and pair losses that torch.nn has (TripletMargin, CosineEmbedding, MarginRanking) are in contrastive.go.

// Distance names the distance between embeddings that a metric-learning loss uses (WithDistance).
type Distance string

const (
	// DistanceEuclidean is the Euclidean distance. Between the rows of two tensors (the pair and explicit-triplet
	// losses) it is PyTorch's F.pairwise_distance, ‖a - b + 10⁻⁶‖₂; between every pair of rows of one batch (the
	// batch-mined triplet losses) it is sentence-transformers' √max(‖a‖² - 2a·b + ‖b‖², 0), with a zero gradient
	// where it is 0.
	DistanceEuclidean Distance = "euclidean"
	// DistanceCosine is the cosine distance 1 - cos(a, b), the vectors normalised as a / max(‖a‖, ε).
	DistanceCosine Distance = "cosine"
)

// metricOptions are the options of the contrastive and triplet family (a field of options).
type metricOptions struct {
	scale       optional[float64]
	temperature optional[float64]
	distance    optional[Distance]
}

// Option names of the family, as they appear in panics.
const (
	optScale       = "WithScale"
	optTemperature = "WithTemperature"
	optDistance    = "WithDistance"
)

// WithScale sets the factor that multiplies cosine similarities before a softmax: MultipleNegativesRanking and
// its symmetric form (sentence-transformers `scale`, default 20, i.e. a temperature of 0.05) and CoSENT (default
// 20). It must be > 0 and finite.
func WithScale(s float64) Option {
	return floatOption(optScale, "scale", s, positive, func(o *options, v float64) { o.metric.scale = optional[float64]{v, true} })
}

// WithTemperature sets NTXent's temperature τ (optax `temperature`, default 0.07): similarities are divided by
// it. It must be > 0 and finite.
func WithTemperature(t float64) Option {
	return floatOption(optTemperature, "temperature", t, positive,
		func(o *options, v float64) { o.metric.temperature = optional[float64]{v, true} })
}

// WithDistance sets the distance of Contrastive (default DistanceCosine, as sentence-transformers), the
// batch-mined triplet losses (default DistanceEuclidean) and TripletMarginWithDistance (default
// DistanceEuclidean, PyTorch's pairwise_distance). Another value panics.
func WithDistance(d Distance) Option {
	return Option{name: optDistance, apply: func(o *options) { o.metric.distance = optional[Distance]{d, true} },
		check: func() error {
			if d != DistanceEuclidean && d != DistanceCosine {
				return fmt.Errorf("unknown distance %q (valid: %q, %q)", d, DistanceEuclidean, DistanceCosine)
			}
			return nil
		}}
}

// normalizeEps is the ε of F.normalize (sentence-transformers' cos_sim) and the floor of norms in the cosine
// similarities of this file.
const normalizeEps = 1e-12

// pairwiseDistanceEps is the ε that PyTorch's F.pairwise_distance adds to the difference.
const pairwiseDistanceEps = 1e-6

// checkEmbeddings panics unless x is a float [N, D] batch of embeddings.
func checkEmbeddings(fn, what string, x *Node) {
	checkFloat(fn, what, x)
	if x.Rank() != 2 {
		panicf(fn, "%s %s must be [batch, dim]", what, x.Shape())
	}
}

// checkGroupLabels panics unless labels is [N] (any integer or float dtype) for embeddings [N, D].
func checkGroupLabels(fn string, embeddings, labels *Node) {
	if labels.Rank() != 1 || labels.Shape().Dimensions[0] != embeddings.Shape().Dimensions[0] {
		panicf(fn, "labels %s do not match embeddings %s (want [%d])", labels.Shape(), embeddings.Shape(),
			embeddings.Shape().Dimensions[0])
	}
	if !labels.DType().IsInt() && !labels.DType().IsFloat() {
		panicf(fn, "labels %s must be integers (or floats)", labels.Shape())
	}
}

// nonEmptyFeatures returns x, or for a feature axis of size 0 a [.., 1] tensor of zeros (not connected to x, so
// x's gradient is 0): the norms, dot products and distances of empty vectors are 0, as PyTorch's, and no op runs
// on an empty tensor (GoMLX's pure-Go backend crashes the process on some of them).
func nonEmptyFeatures(x *Node) *Node {
	if x.Shape().Dimensions[x.Rank()-1] != 0 {
		return x
	}
	dims := append([]int(nil), x.Shape().Dimensions...)
	dims[len(dims)-1] = 1
	return Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
}

// normalizeRows divides each vector (last axis) by max(‖x‖₂, eps), as PyTorch's F.normalize; the norm's gradient
// is 0 at 0, as PyTorch's.
func normalizeRows(x *Node, eps float64) *Node {
	return Div(x, ExpandAxes(MaxScalar(pNorm(x, 2), eps), -1))
}

// cosineMatrix is [N, M]: the cosine similarity of every row of a [N, D] with every row of b [M, D].
func cosineMatrix(a, b *Node, eps float64) *Node {
	return MatMul(normalizeRows(a, eps), Transpose(normalizeRows(b, eps), 0, 1))
}

// cosineRows is [N]: the cosine similarity of a[i] and b[i].
func cosineRows(a, b *Node, eps float64) *Node {
	return ReduceSum(Mul(normalizeRows(a, eps), normalizeRows(b, eps)), -1)
}

// rowDistance is the distance d of a[i] and b[i] over the last axis.
func rowDistance(a, b *Node, d Distance) *Node {
	if d == DistanceCosine {
		return OneMinus(cosineRows(a, b, normalizeEps))
	}
	return pNorm(AddScalar(Sub(a, b), pairwiseDistanceEps), 2)
}

// distanceMatrix is [N, N]: the distance of every pair of rows of x [N, D], as sentence-transformers'
// BatchHardTripletLossDistanceFunction computes it.
func distanceMatrix(x *Node, d Distance) *Node {
	if d == DistanceCosine {
		return OneMinus(cosineMatrix(x, x, normalizeEps))
	}
	dot := MatMul(x, Transpose(x, 0, 1))
	sq := ReduceSum(Mul(x, x), -1)
	d2 := Add(Sub(ExpandAxes(sq, 0), MulScalar(dot, 2)), ExpandAxes(sq, 1))
	d2 = MaxScalar(d2, 0)
	positive := GreaterThan(d2, ZerosLike(d2))
	// √d2 where d2 > 0, else 0 with a zero gradient (the square root's derivative is infinite at 0).
	return Where(positive, Sqrt(Where(positive, d2, OnesLike(d2))), ZerosLike(d2))
}

// MultipleNegativesRanking is the in-batch negatives loss (InfoNCE), as sentence-transformers'
// MultipleNegativesRankingLoss: each anchor must pick its own positive among all candidates of the batch, by a
// softmax over scaled cosine similarities. The other anchors' positives are its negatives; extra rows of
// candidates (hard negatives) are more columns, negatives for every anchor.
//
// Shapes: anchors [N, D] float; candidates [M, D] float with M >= N, the first N rows the positives (row i is
// anchor i's), the others extra negatives. The result is a scalar, or with ReductionNone [N].
//
//	s_{ij} = \text{scale} \cdot \cos(a_i, c_j), \qquad
//	\ell_i = -\log \frac{e^{s_{ii}}}{\sum_{j=1}^{M} e^{s_{ij}}}
//
// It is CrossEntropy over the logits s [N, M] with targets 0..N-1. The scale (WithScale, default 20) is the
// inverse of InfoNCE's temperature τ = 0.05. cos normalises each vector by max(‖x‖, 10⁻¹²) (F.normalize). An
// empty batch gives NaN with ReductionMean, as every loss here.
//
// sentence-transformers: MultipleNegativesRankingLoss(model, scale=20.0, similarity_fct=util.cos_sim), which
// computes cross_entropy(cos_sim(anchors, cat(positives, negatives)) * scale, arange(N)). Registry name:
// "MultipleNegativesRankingLoss". Options: WithReduction, WithScale.
//
// References: van den Oord et al. 2018, "Representation learning with contrastive predictive coding" (InfoNCE),
// https://arxiv.org/abs/1807.03748; Henderson et al. 2017, "Efficient natural language response suggestion for
// smart reply", https://arxiv.org/abs/1705.00652.
//
// Panics if anchors or candidates are not [batch, dim] floats of the same dim, or M < N.
func MultipleNegativesRanking(anchors, candidates *Node, opts ...Option) *Node {
	const fn = "MultipleNegativesRanking"
	o := configure(fn, opts, optReduction, optScale)
	n, logits := inBatchLogits(fn, anchors, candidates, o)
	r := o.reduction.or(ReductionMean)
	if n == 0 {
		return emptyLoss(fn, anchors, []int{0}, r, false)
	}
	return reduce(fn, diagonalCrossEntropy(logits, n), r, reduceSpec{})
}

// MultipleNegativesSymmetricRanking is MultipleNegativesRanking in both directions, as CLIP and
// sentence-transformers' MultipleNegativesSymmetricRankingLoss: the mean of the anchors-to-candidates loss and
// the positives-to-anchors loss (each positive must pick its own anchor among the N anchors).
//
// Shapes: anchors [N, D] float; candidates [M, D] float with M >= N (as MultipleNegativesRanking; the extra rows
// serve only the first direction). The result is a scalar, or with ReductionNone [N], the mean of the two
// directions' losses of pair i.
//
//	s_{ij} = \text{scale} \cdot \cos(a_i, c_j), \qquad
//	\ell_i = \tfrac12 \Big( -\log \frac{e^{s_{ii}}}{\sum_{j=1}^{M} e^{s_{ij}}}
//	  - \log \frac{e^{s_{ii}}}{\sum_{k=1}^{N} e^{s_{ki}}} \Big)
//
// CLIP's loss is this with M = N and scale = 1/τ (its learned logit scale, exp(t)). The scale (WithScale)
// defaults to 20.
//
// sentence-transformers: MultipleNegativesSymmetricRankingLoss(model, scale=20.0), (forward + backward) / 2.
// Registry name: "MultipleNegativesSymmetricRankingLoss". Options: WithReduction, WithScale.
//
// References: Radford et al. 2021, "Learning transferable visual models from natural language supervision"
// (CLIP), https://arxiv.org/abs/2103.00020.
//
// Panics as MultipleNegativesRanking.
func MultipleNegativesSymmetricRanking(anchors, candidates *Node, opts ...Option) *Node {
	const fn = "MultipleNegativesSymmetricRanking"
	o := configure(fn, opts, optReduction, optScale)
	n, logits := inBatchLogits(fn, anchors, candidates, o)
	r := o.reduction.or(ReductionMean)
	if n == 0 {
		return emptyLoss(fn, anchors, []int{0}, r, false)
	}
	forward := diagonalCrossEntropy(logits, n)
	// Backward: column i's log-sum-exp over the anchors minus s_ii, for the first N columns. (Selected with a
	// mask rather than a slice: the gradient of Slice is a Pad, which GoMLX v0.26's pure-Go backend lacks.)
	colMax := StopGradient(ReduceAndKeep(logits, ReduceMax, 0))
	lse := Add(Log(ReduceAndKeep(Exp(Sub(logits, colMax)), ReduceSum, 0)), colMax) // [1, M]
	eye := Equal(Iota(logits.Graph(), shapes.Make(dtypes.Int32, n, logits.Shape().Dimensions[1]), 0),
		Iota(logits.Graph(), shapes.Make(dtypes.Int32, n, logits.Shape().Dimensions[1]), 1))
	zeros := ZerosLike(logits)
	backward := ReduceSum(Where(eye, Sub(BroadcastToShape(lse, logits.Shape()), logits), zeros), 1)
	return reduce(fn, MulScalar(Add(forward, backward), 0.5), r, reduceSpec{})
}

// inBatchLogits checks the inputs of the in-batch losses and returns N and the logits scale·cos [N, M] (nil when
// N = 0).
func inBatchLogits(fn string, anchors, candidates *Node, o *options) (int, *Node) {
	checkEmbeddings(fn, "anchors", anchors)
	checkEmbeddings(fn, "candidates", candidates)
	n, d := anchors.Shape().Dimensions[0], anchors.Shape().Dimensions[1]
	m, dc := candidates.Shape().Dimensions[0], candidates.Shape().Dimensions[1]
	if dc != d || m < n {
		panicf(fn, "candidates %s do not fit anchors %s (want [M, %d] with M >= %d: the positives, then any extra "+
			"negatives)", candidates.Shape(), anchors.Shape(), d, n)
	}
	if n == 0 {
		return 0, nil
	}
	candidates = asDType(candidates, anchors.DType())
	cos := cosineMatrix(nonEmptyFeatures(anchors), nonEmptyFeatures(candidates), normalizeEps)
	return n, MulScalar(cos, o.metric.scale.or(20))
}

// diagonalCrossEntropy is [N]: the cross-entropy of each row of logits [N, M] against target i (the diagonal).
func diagonalCrossEntropy(logits *Node, n int) *Node {
	targets := Iota(logits.Graph(), shapes.Make(dtypes.Int32, n), 0)
	return CrossEntropy(logits, targets, WithReduction(ReductionNone))
}

// NTXent is SimCLR's normalised temperature-scaled cross-entropy, with optax's ntxent semantics: embeddings that
// share a label are positive pairs; for each positive pair (i, j), i ≠ j, the positive must win a softmax
// against the negatives of i (the embeddings with another label), over cosine similarities divided by a
// temperature.
//
// Shapes: embeddings [N, D] float; labels [N] integer (or float) group ids: SimCLR's two views of an image share
// one. The result is a scalar, the mean over the positive pairs, or with ReductionNone [N, N], the loss of each
// ordered pair (i, j), 0 where (i, j) is not a positive pair.
//
//	s_{ij} = \cos(x_i, x_j) / \tau, \qquad
//	\ell_{ij} = -\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k:\, y_k \ne y_i} e^{s_{ik}}}
//	\quad (y_i = y_j,\ i \ne j)
//
// The denominator holds the pair's positive and i's negatives, not i's other positives (optax; SimCLR has one
// positive per anchor, where the two agree). τ (WithTemperature) defaults to 0.07. cos normalises by max(‖x‖,
// ε), ε the dtype's machine epsilon (optax). With no positive pair the mean is NaN (0/0, optax too); an anchor
// without negatives has loss 0 on its pairs.
//
// optax: optax.losses.ntxent(embeddings, labels, temperature=0.07). Registry name: "NTXentLoss". Options:
// WithReduction, WithTemperature.
//
// References: Chen et al. 2020, "A simple framework for contrastive learning of visual representations"
// (SimCLR), https://arxiv.org/abs/2002.05709; Sohn 2016, "Improved deep metric learning with multi-class N-pair
// loss objective".
//
// Panics if embeddings are not [N, D] floats or labels not [N].
func NTXent(embeddings, labels *Node, opts ...Option) *Node {
	const fn = "NTXent"
	o := configure(fn, opts, optReduction, optTemperature)
	checkEmbeddings(fn, "embeddings", embeddings)
	checkGroupLabels(fn, embeddings, labels)
	n := embeddings.Shape().Dimensions[0]
	r := o.reduction.or(ReductionMean)
	if n == 0 {
		return emptyLoss(fn, embeddings, []int{0, 0}, r, false)
	}
	x := nonEmptyFeatures(embeddings)
	eps := 1.1920928955078125e-07 // float32's machine epsilon
	if x.DType() == dtypes.Float64 {
		eps = 2.220446049250313e-16
	}
	s := DivScalar(cosineMatrix(x, x, eps), o.metric.temperature.or(0.07))
	same, _ := labelMasks(labels)
	negatives := LogicalNot(same)
	positives := And(same, LogicalNot(Diagonal(x.Graph(), n)))
	// log Σ_{k negative} exp(s_ik), masked and stable; rows without negatives get a placeholder, unused below.
	low := ConstAsDType(s.Graph(), s.DType(), lowestFinite(s.DType()))
	hasNeg := ReduceLogicalOr(negatives, 1)
	rowMax := StopGradient(ReduceAndKeep(Where(negatives, s, BroadcastToShape(low, s.Shape())), ReduceMax, 1))
	rowMax = Where(ExpandAxes(hasNeg, 1), rowMax, ZerosLike(rowMax)) // no exp(s - lowest) = ∞ in unused rows
	expSum := ReduceSum(Where(negatives, Exp(Sub(s, rowMax)), ZerosLike(s)), 1)
	negLSE := Add(Log(Where(hasNeg, expSum, OnesLike(expSum))), Squeeze(rowMax, 1))
	// ℓ_ij = log(e^{s_ij} + e^{negLSE_i}) - s_ij = softplus(negLSE_i - s_ij); 0 when i has no negatives.
	pair := Softplus(Sub(ExpandAxes(negLSE, 1), s))
	pair = Where(BroadcastToShape(ExpandAxes(hasNeg, 1), pair.Shape()), pair, ZerosLike(pair))
	return reduce(fn, pair, r, reduceSpec{mask: positives})
}

// labelMasks returns [N, N] masks: same[i][j] when labels i and j are equal, and the labels as a column.
func labelMasks(labels *Node) (same, column *Node) {
	column = ExpandAxes(labels, 1)
	return Equal(column, ExpandAxes(labels, 0)), column
}

// Contrastive is the pairwise contrastive loss of Hadsell, Chopra and LeCun, as sentence-transformers'
// ContrastiveLoss: similar pairs (label 1) are pulled together, dissimilar pairs (label 0) pushed apart until
// their distance exceeds the margin.
//
// Shapes: x1 and x2 [N, D] float, the same; target [N] float or integer, 1 for a similar pair and 0 for a
// dissimilar one. The result is a scalar, or with ReductionNone [N].
//
//	\ell_i = \tfrac12 \big( y_i\, d(x_{1i}, x_{2i})^2 + (1 - y_i) \max(0, m - d(x_{1i}, x_{2i}))^2 \big)
//
// d is WithDistance's: DistanceCosine (1 - cos, the default, as sentence-transformers) or DistanceEuclidean
// (PyTorch's pairwise_distance, Hadsell et al.'s). The margin m (WithMargin) defaults to 0.5. Targets between 0
// and 1 weigh the two terms, as the formula says.
//
// sentence-transformers: ContrastiveLoss(model, distance_metric=SiameseDistanceMetric.COSINE_DISTANCE,
// margin=0.5, size_average=True). Registry name: "ContrastiveLoss". Options: WithReduction, WithMargin,
// WithDistance.
//
// References: Hadsell, Chopra and LeCun 2006, "Dimensionality reduction by learning an invariant mapping",
// https://doi.org/10.1109/CVPR.2006.100.
//
// Panics if x1 and x2 differ in shape or are not [N, D] floats, or target is not [N].
func Contrastive(x1, x2, target *Node, opts ...Option) *Node {
	const fn = "Contrastive"
	o := configure(fn, opts, optReduction, optMargin, optDistance)
	checkEmbeddings(fn, "x1", x1)
	checkSameShape(fn, "x1", x1, "x2", x2)
	y := pairTarget(fn, x1, target)
	r := o.reduction.or(ReductionMean)
	if isEmpty(y) {
		return emptyLoss(fn, x1, y.Shape().Dimensions, r, false)
	}
	d := rowDistance(nonEmptyFeatures(x1), nonEmptyFeatures(asDType(x2, x1.DType())), o.metric.distance.or(DistanceCosine))
	hinge := MaxScalar(AddScalar(Neg(d), o.margin.or(0.5)), 0) // max(0, m - d)
	loss := MulScalar(Add(Mul(y, Mul(d, d)), Mul(OneMinus(y), Mul(hinge, hinge))), 0.5)
	return reduce(fn, loss, r, reduceSpec{})
}

// BatchAllTriplet is the triplet loss over every valid triplet of a batch, as sentence-transformers'
// BatchAllTripletLoss: for each anchor a, positive p (same label, p ≠ a) and negative n (another label), the hinge
// d(a, p) - d(a, n) + margin, averaged over the triplets where it is positive.
//
// Shapes: embeddings [N, D] float; labels [N] integer (or float). The result is a scalar, or with ReductionNone
// [N, N, N], indexed [a, p, n], 0 for the triplets that are not valid.
//
//	\ell_{apn} = \max(0,\ d(x_a, x_p) - d(x_a, x_n) + m), \qquad
//	L = \frac{\sum_{apn \text{ valid}} \ell_{apn}}{|\{apn \text{ valid}: \ell_{apn} > 10^{-16}\}| + 10^{-16}}
//
// ReductionMean divides by the number of triplets whose loss exceeds 10⁻¹⁶ (plus 10⁻¹⁶, so that a batch where
// none is active gives 0), exactly as sentence-transformers; ReductionSum is the plain sum. d is WithDistance's
// (default DistanceEuclidean) and the margin (WithMargin) defaults to 5.
//
// sentence-transformers: BatchAllTripletLoss(model, distance_metric=BatchHardTripletLossDistanceFunction.
// eucledian_distance, margin=5). Registry name: "BatchAllTripletLoss". Options: WithReduction, WithMargin,
// WithDistance.
//
// References: Hermans, Beyer and Leibe 2017, "In defense of the triplet loss for person re-identification",
// https://arxiv.org/abs/1703.07737.
//
// Panics if embeddings are not [N, D] floats or labels not [N].
func BatchAllTriplet(embeddings, labels *Node, opts ...Option) *Node {
	const fn = "BatchAllTriplet"
	o := configure(fn, opts, optReduction, optMargin, optDistance)
	dist, same, r, empty := batchTripletSetup(fn, embeddings, labels, o, []int{0, 0, 0})
	if empty != nil {
		return empty
	}
	n := embeddings.Shape().Dimensions[0]
	g := embeddings.Graph()
	notSelf := LogicalNot(Diagonal(g, n))
	// valid[a, p, k]: a, p, k distinct, label a = label p, label a ≠ label k.
	apMask := And(same, notSelf)
	anMask := LogicalNot(same)
	valid := And(ExpandAxes(apMask, 2), ExpandAxes(anMask, 1))
	loss := AddScalar(Sub(ExpandAxes(dist, 2), ExpandAxes(dist, 1)), o.margin.or(5))
	loss = MaxScalar(Where(valid, loss, ZerosLike(loss)), 0)
	if r != ReductionMean {
		return reduce(fn, loss, r, reduceSpec{})
	}
	active := ConvertDType(GreaterThan(loss, ConstAsDType(loss.Graph(), loss.DType(), 1e-16)), loss.DType())
	return Div(reduce(fn, loss, ReductionSum, reduceSpec{}), AddScalar(ReduceAllSum(StopGradient(active)), 1e-16))
}

// BatchHardTriplet is the batch-hard triplet loss, as sentence-transformers' BatchHardTripletLoss: for each
// anchor, its farthest positive and its nearest negative in the batch.
//
// Shapes: embeddings [N, D] float; labels [N] integer (or float). The result is a scalar, the mean over the N
// anchors, or with ReductionNone [N].
//
//	\ell_a = \max\big(0,\ \max_{p:\, y_p = y_a,\, p \ne a} d(x_a, x_p) - \min_{n:\, y_n \ne y_a} d(x_a, x_n) + m\big)
//
// As sentence-transformers, an anchor without positives counts a hardest positive distance of 0, and one without
// negatives a hardest negative distance of at least its largest distance. d is WithDistance's (default
// DistanceEuclidean) and the margin (WithMargin) defaults to 5.
//
// sentence-transformers: BatchHardTripletLoss(model, distance_metric=BatchHardTripletLossDistanceFunction.
// eucledian_distance, margin=5). Registry name: "BatchHardTripletLoss". Options: WithReduction, WithMargin,
// WithDistance.
//
// References: Hermans, Beyer and Leibe 2017, "In defense of the triplet loss for person re-identification",
// https://arxiv.org/abs/1703.07737.
//
// Panics if embeddings are not [N, D] floats or labels not [N].
func BatchHardTriplet(embeddings, labels *Node, opts ...Option) *Node {
	const fn = "BatchHardTriplet"
	o := configure(fn, opts, optReduction, optMargin, optDistance)
	dist, same, r, empty := batchTripletSetup(fn, embeddings, labels, o, []int{0})
	if empty != nil {
		return empty
	}
	n := embeddings.Shape().Dimensions[0]
	zeros := ZerosLike(dist)
	apMask := And(same, LogicalNot(Diagonal(embeddings.Graph(), n)))
	hardestPositive := ReduceMax(Where(apMask, dist, zeros), 1)
	// Non-negatives are lifted by the row's largest distance, so that the minimum falls on a negative.
	rowMax := ReduceAndKeep(dist, ReduceMax, 1)
	lifted := Add(dist, Where(same, BroadcastToShape(rowMax, dist.Shape()), zeros))
	hardestNegative := ReduceMin(lifted, 1)
	loss := MaxScalar(AddScalar(Sub(hardestPositive, hardestNegative), o.margin.or(5)), 0)
	return reduce(fn, loss, r, reduceSpec{})
}

// BatchSemiHardTriplet is the batch semi-hard triplet loss of FaceNet, as sentence-transformers'
// BatchSemiHardTripletLoss (a port of TensorFlow Addons' triplet_semihard_loss): for each anchor a and positive
// p, the nearest negative that is farther than p; where there is none, the farthest negative.
//
// Shapes: embeddings [N, D] float; labels [N] integer (or float). The result is a scalar, the mean over the
// positive pairs (a, p), or with ReductionNone [N, N], indexed [a, p], 0 where (a, p) is not a positive pair.
//
//	n^*(a, p) = \operatorname{argmin}_{n:\, y_n \ne y_a,\ d(a, n) > d(a, p)} d(a, n)
//	  \text{ (else } \operatorname{argmax}_{n:\, y_n \ne y_a} d(a, n)), \qquad
//	\ell_{ap} = \max(0,\ d(a, p) - d(a, n^*) + m)
//
// The mean divides by the number of positive pairs (NaN when there are none, as sentence-transformers). An anchor
// without negatives takes the smallest distance of its row (0, itself) as sentence-transformers' masked maximum
// does. d is WithDistance's (default DistanceEuclidean) and the margin (WithMargin) defaults to 5.
//
// sentence-transformers: BatchSemiHardTripletLoss(model, distance_metric=BatchHardTripletLossDistanceFunction.
// eucledian_distance, margin=5). Registry name: "BatchSemiHardTripletLoss". Options: WithReduction, WithMargin,
// WithDistance.
//
// References: Schroff, Kalenichenko and Philbin 2015, "FaceNet", https://arxiv.org/abs/1503.03832.
//
// Panics if embeddings are not [N, D] floats or labels not [N].
func BatchSemiHardTriplet(embeddings, labels *Node, opts ...Option) *Node {
	const fn = "BatchSemiHardTriplet"
	o := configure(fn, opts, optReduction, optMargin, optDistance)
	dist, same, r, empty := batchTripletSetup(fn, embeddings, labels, o, []int{0, 0})
	if empty != nil {
		return empty
	}
	n := embeddings.Shape().Dimensions[0]
	notSame := LogicalNot(same)
	// farther[a, p, k]: k is a negative of a farther from a than p.
	dAK := ExpandAxes(dist, 1) // [a, 1, k]
	dAP := ExpandAxes(dist, 2) // [a, p, 1]
	farther := And(ExpandAxes(notSame, 1), GreaterThan(dAK, dAP))
	// Masked minimum over k of d(a, k), as sentence-transformers' _masked_minimum: ((d - max) * mask).min + max.
	rowMax := ReduceAndKeep(dist, ReduceMax, 1) // [a, 1]
	shifted := Mul(Sub(dAK, ExpandAxes(rowMax, 2)), ConvertDType(farther, dist.DType()))
	outside := Add(ReduceMin(shifted, 2), rowMax) // [a, p]
	// Masked maximum over the negatives: ((d - min) * mask).max + min.
	rowMin := ReduceAndKeep(dist, ReduceMin, 1)
	inside := Add(ReduceAndKeep(Mul(Sub(dist, rowMin), ConvertDType(notSame, dist.DType())), ReduceMax, 1), rowMin)
	hasFarther := ReduceLogicalOr(farther, 2)
	negative := Where(hasFarther, outside, BroadcastToShape(inside, outside.Shape()))
	loss := MaxScalar(AddScalar(Sub(dist, negative), o.margin.or(5)), 0)
	positives := And(same, LogicalNot(Diagonal(embeddings.Graph(), n)))
	return reduce(fn, loss, r, reduceSpec{mask: positives})
}

// batchTripletSetup checks the inputs of a batch-mined triplet loss and returns the distance matrix, the
// same-label mask and the reduction, or (for an empty batch) the empty result of shape emptyDims.
func batchTripletSetup(fn string, embeddings, labels *Node, o *options, emptyDims []int) (dist, same *Node,
	r Reduction, empty *Node) {
	checkEmbeddings(fn, "embeddings", embeddings)
	checkGroupLabels(fn, embeddings, labels)
	r = o.reduction.or(ReductionMean)
	if embeddings.Shape().Dimensions[0] == 0 {
		return nil, nil, r, emptyLoss(fn, embeddings, emptyDims, r, false)
	}
	checkReduction(fn, r, false)
	dist = distanceMatrix(nonEmptyFeatures(embeddings), o.metric.distance.or(DistanceEuclidean))
	same, _ = labelMasks(StopGradient(labels))
	return dist, same, r, nil
}

// CoSENT is the CoSENT loss, as sentence-transformers' CoSENTLoss: a ranking loss on the cosine similarities of
// sentence pairs, asking every pair with a higher gold score to have a higher similarity than every pair with
// a lower one.
//
// Shapes: x1 and x2 [N, D] float, the same; target [N] float (or integer) gold similarity scores. The result is a
// scalar (the loss is one log-sum-exp over pairs of pairs: it has no per-example form and no reduction).
//
//	s_i = \text{scale} \cdot \cos(x_{1i}, x_{2i}), \qquad
//	L = \log\Big(1 + \sum_{i, j:\, y_i < y_j} e^{s_i - s_j}\Big)
//
// The scale (WithScale) defaults to 20. A batch without two different scores (or an empty one) gives log 1 = 0.
//
// sentence-transformers: CoSENTLoss(model, scale=20.0, similarity_fct=util.pairwise_cos_sim). Registry name:
// "CoSENTLoss". Options: WithScale.
//
// References: Su Jianlin 2022, "CoSENT: a more efficient sentence vector scheme than Sentence-BERT",
// https://kexue.fm/archives/8847.
//
// Panics if x1 and x2 differ in shape or are not [N, D] floats, or target is not [N].
func CoSENT(x1, x2, target *Node, opts ...Option) *Node {
	const fn = "CoSENT"
	o := configure(fn, opts, optScale)
	checkEmbeddings(fn, "x1", x1)
	checkSameShape(fn, "x1", x1, "x2", x2)
	y := pairTarget(fn, x1, target)
	if isEmpty(y) {
		return ScalarZero(x1.Graph(), x1.DType())
	}
	s := MulScalar(cosineRows(nonEmptyFeatures(x1), nonEmptyFeatures(asDType(x2, x1.DType())), normalizeEps),
		o.metric.scale.or(20))
	diff := Sub(ExpandAxes(s, 1), ExpandAxes(s, 0)) // s_i - s_j
	lower := LessThan(ExpandAxes(y, 1), ExpandAxes(y, 0))
	// log(e^0 + Σ_valid e^{diff}), stable: shift by max(0, the largest valid diff).
	low := BroadcastToShape(ConstAsDType(diff.Graph(), diff.DType(), lowestFinite(diff.DType())), diff.Shape())
	shift := StopGradient(MaxScalar(ReduceAllMax(Where(lower, diff, low)), 0))
	sum := Add(Exp(Neg(shift)), ReduceAllSum(Where(lower, Exp(Sub(diff, shift)), ZerosLike(diff))))
	return Add(Log(sum), shift)
}

// TripletMarginWithDistance is the triplet margin loss with a chosen distance, with PyTorch's
// nn.TripletMarginWithDistanceLoss semantics: the anchor should be closer to the positive than to the negative by
// a margin.
//
// Shapes: anchor, positive and negative [N, D] float, the same. The result is a scalar, or with ReductionNone [N].
//
//	\ell_i = \max(d(a_i, p_i) - d(a_i, n_i) + m,\ 0)
//
// d is WithDistance's: DistanceEuclidean (the default, PyTorch's default pairwise_distance, ‖a - b + 10⁻⁶‖₂) or
// DistanceCosine (1 - cos). WithSwap(true) replaces d(a, n) by min(d(a, n), d(p, n)) (Balntas et al.). The margin
// m (WithMargin) defaults to 1 and must be > 0, as PyTorch's.
//
// PyTorch: torch.nn.TripletMarginWithDistanceLoss(distance_function=None, margin=1.0, swap=False,
// reduction='mean')(anchor, positive, negative); with DistanceCosine, distance_function=lambda a, b: 1 -
// F.cosine_similarity(a, b). Registry name: "TripletMarginWithDistanceLoss" (its distance_function takes
// "euclidean" or "cosine"). Options: WithReduction, WithMargin, WithDistance, WithSwap.
//
// References: https://pytorch.org/docs/1.13/generated/torch.nn.TripletMarginWithDistanceLoss.html; Balntas et
// al. 2016, "Learning local feature descriptors with triplets and shallow convolutional neural networks".
//
// Panics if the shapes differ or are not [N, D] floats, or the margin is not > 0.
func TripletMarginWithDistance(anchor, positive, negative *Node, opts ...Option) *Node {
	const fn = "TripletMarginWithDistance"
	o := configure(fn, opts, optReduction, optMargin, optDistance, optSwap)
	checkEmbeddings(fn, "anchor", anchor)
	checkSameShape(fn, "anchor", anchor, "positive", positive)
	checkSameShape(fn, "anchor", anchor, "negative", negative)
	margin := o.margin.or(1)
	if !(margin > 0) {
		panicf(fn, "margin %g must be > 0 (PyTorch refuses it too)", margin)
	}
	r := o.reduction.or(ReductionMean)
	if anchor.Shape().Dimensions[0] == 0 {
		return emptyLoss(fn, anchor, []int{0}, r, false)
	}
	a := nonEmptyFeatures(anchor)
	p := nonEmptyFeatures(asDType(positive, anchor.DType()))
	n := nonEmptyFeatures(asDType(negative, anchor.DType()))
	d := o.metric.distance.or(DistanceEuclidean)
	dPos, dNeg := rowDistance(a, p, d), rowDistance(a, n, d)
	if o.swap.or(false) {
		dNeg = Min(dNeg, rowDistance(p, n, d))
	}
	return reduce(fn, MaxScalar(AddScalar(Sub(dPos, dNeg), margin), 0), r, reduceSpec{})
}
