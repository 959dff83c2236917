package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom: graph ops read as math.
)

// MLM is BERT's masked-language-model loss: the cross-entropy of the vocabulary logits at the positions whose
// label is not the ignore index (-100), averaged over those positions only.
//
// Shapes: logits [batch, seq, vocab] float, class axis last (as a model outputs them; any rank >= 2 with the
// vocabulary last works); labels [batch, seq], any integer dtype, holding the original token at masked positions
// and -100 elsewhere. The result is a scalar, or with ReductionNone [batch, seq] (0 at ignored positions).
//
//	\mathcal{L}_{\mathrm{MLM}} = \frac{1}{|M|}\sum_{(b,t) \in M} -\log \mathrm{softmax}(x_{b,t})_{y_{b,t}},
//	\qquad M = \{(b,t) : y_{b,t} \ne -100\}
//
// It is CrossEntropy with WithClassAxis(-1). The mean is over the masked positions, not over all positions, so
// padding and unmasked tokens do not dilute it (d2l's BERT loss reduced the wrong way: d2l-en#2582). With no
// masked position in the batch the mean is NaN (0/0, as PyTorch). Vocabulary logits of -Inf (tokens the model
// may never predict) are handled as in CrossEntropy. Never reuse one configured loss for MLM and NSP: they have
// different shapes and means.
//
// PyTorch (Hugging Face BertForPreTraining): nn.CrossEntropyLoss()(logits.view(-1, vocab), labels.view(-1)).
// Registry name: "MLMLoss" (inputs prediction_scores, labels; arguments ignore_index, reduction,
// label_smoothing). Options: WithReduction, WithIgnoreIndex, WithLabelSmoothing.
//
// References: Devlin et al. 2019, "BERT", https://arxiv.org/abs/1810.04805.
//
// Panics if labels do not match logits without their last axis.
func MLM(logits, labels *Node, opts ...Option) *Node {
	const fn = "MLM"
	o := configure(fn, opts, optReduction, optIgnoreIndex, optLabelSmoothing)
	if logits.Rank() < 2 {
		panicf(fn, "logits %s must be [batch, seq, vocab] (class axis last)", logits.Shape())
	}
	o.classAxis = optional[int]{-1, true}
	return crossEntropy(fn, logits, labels, o, sparseLogSoftmax)
}

// NSP is BERT's next-sentence-prediction loss: the 2-way cross-entropy of the classifier on the pooled [CLS]
// token, averaged over the batch.
//
// Shapes: logits [batch, 2] float; labels [batch], any integer dtype (0: B follows A, 1: B is random, as Hugging
// Face). The result is a scalar, or with ReductionNone [batch].
//
//	\mathcal{L}_{\mathrm{NSP}} = \frac{1}{B}\sum_b -\log \mathrm{softmax}(s_b)_{y_b}
//
// PyTorch (Hugging Face BertForPreTraining): nn.CrossEntropyLoss()(seq_relationship_score.view(-1, 2),
// next_sentence_label.view(-1)). Registry name: "NSPLoss" (inputs seq_relationship_score, next_sentence_label;
// argument reduction). Options: WithReduction.
//
// References: Devlin et al. 2019, "BERT", https://arxiv.org/abs/1810.04805.
//
// Panics if logits are not [batch, 2] or labels not [batch].
func NSP(logits, labels *Node, opts ...Option) *Node {
	const fn = "NSP"
	o := configure(fn, opts, optReduction)
	if logits.Rank() != 2 || logits.Shape().Dimensions[1] != 2 {
		panicf(fn, "logits %s must be [batch, 2]", logits.Shape())
	}
	return crossEntropy(fn, logits, labels, o, sparseLogSoftmax)
}

// BertPreTraining is the loss of Hugging Face's BertForPreTraining: MLM plus NSP, each with its own mean.
//
// Shapes: mlmLogits [batch, seq, vocab] and mlmLabels [batch, seq] as MLM; nspLogits [batch, 2] and nspLabels
// [batch] as NSP. The order of the arguments is the registry's: predictions, then labels. The result is a
// scalar.
//
//	\mathcal{L} = \mathcal{L}_{\mathrm{MLM}} + \mathcal{L}_{\mathrm{NSP}}
//
// The two terms are reduced separately (MLM over masked positions, NSP over examples) and then added; a single
// mean over the concatenated losses would weight them by their counts.
//
// PyTorch (Hugging Face): total_loss = masked_lm_loss + next_sentence_loss in BertForPreTraining.forward.
// Registry name: "BertPreTrainingLoss" (inputs prediction_scores, seq_relationship_score, labels,
// next_sentence_label; argument ignore_index). Options: WithIgnoreIndex (for the MLM labels).
//
// References: Devlin et al. 2019, "BERT", https://arxiv.org/abs/1810.04805;
// https://github.com/huggingface/transformers/blob/v4.25.1/src/transformers/models/bert/modeling_bert.py.
//
// Panics as MLM and NSP, or if the two logits have different dtypes.
func BertPreTraining(mlmLogits, nspLogits, mlmLabels, nspLabels *Node, opts ...Option) *Node {
	const fn = "BertPreTraining"
	o := configure(fn, opts, optIgnoreIndex)
	if mlmLogits.DType() != nspLogits.DType() {
		panicf(fn, "MLM logits %s and NSP logits %s must have the same float dtype", mlmLogits.Shape(), nspLogits.Shape())
	}
	var mlmOpts []Option
	if o.ignoreIndex.set {
		mlmOpts = append(mlmOpts, WithIgnoreIndex(o.ignoreIndex.value))
	}
	return Add(MLM(mlmLogits, mlmLabels, mlmOpts...), NSP(nspLogits, nspLabels))
}
