// Package retrieve is lossbook's cross-lingual retrieval task: given an English verse, find its Spanish
// translation among many. It wires the KJV / Reina-Valera 1909 verse pairs of lib/data (split by chapter, so that
// no chapter straddles training and test), a joint WordPiece vocabulary trained on both languages of the
// training split, one models.Transformer encoder shared by both languages with mean pooling over the tokens, a
// contrastive or triplet loss from package losses chosen by its registry name, and training's loop with
// checkpoints and resume.
//
//	m, err := retrieve.Train(ctx, retrieve.DefaultConfig()) // in-batch negatives, MultipleNegativesRankingLoss
//	hits, err := m.Search("In the beginning God created the heaven and the earth.", 5)
//	ev, err := m.Evaluate()                                 // recall@1, recall@10, MRR on the test chapters
//
// # Losses
//
// Config.Loss names any loss of the registry whose inputs are embeddings; the task feeds it the batch of English
// embeddings e and Spanish embeddings s of B translation pairs as the loss's inputs ask:
//
//   - (anchors, candidates), MultipleNegativesRankingLoss and its symmetric form: (e, s), the other pairs' Spanish
//     verses being the in-batch negatives;
//   - (embeddings, labels), NTXentLoss and the batch-mined triplet losses: the 2B embeddings [e; s], labelled by
//     pair, so that a verse's translation is its positive and every other verse (of either language) a negative;
//   - (input1, input2, target), ContrastiveLoss, CosineEmbeddingLoss, CoSENTLoss: the B translation pairs
//     labelled similar and B mismatched pairs (e_i, s_{i+1}) labelled dissimilar (0 for ContrastiveLoss and
//     CoSENTLoss, -1 for CosineEmbeddingLoss);
//   - (anchor, positive, negative), TripletMarginLoss, TripletMarginWithDistanceLoss: (e_i, s_i, s_{i+1}).
//
// # Evaluation
//
// Evaluate embeds every English and Spanish verse of the test split, ranks all the Spanish verses by cosine
// similarity for each English one, and reports recall@1, recall@10 and the mean reciprocal rank of the true
// translation. Ties are broken at random in expectation (a tie of t candidates with the true one counts
// 1/(t+1) of a hit at rank 1), so that a scorer with many ties (word overlap) is judged fairly. Baselines
// ranks the same verses by the number of shared words (Jaccard overlap of the lower-cased, accent-stripped word
// sets) and by TF-IDF cosine (scikit-learn's TfidfVectorizer defaults: smoothed idf fitted on the training
// split's verses of both languages, raw counts, L2 norm); Train also evaluates the encoder before its first step.
//
// # Run directory
//
// Train writes Config.Out (when set): run.json ({"task": "retrieve", ...the configuration...}), vocab.txt,
// checkpoint.bin (training's checkpoint) and metrics.json (the test results, the baselines and the untrained
// encoder's). Every file is written to a temporary file and renamed; Config.Resume continues an interrupted run.
// Load reads the directory back.
//
// # For contributors
//
// The task owns no loss formula: losses come from package losses (losses.New), optimizers and schedules from
// training, data from lib/data and tokens from lib/tokenize. It owns the wiring, the ranking metrics of retrieval
// and its two bag-of-words baselines, and the run directory.
package retrieve
