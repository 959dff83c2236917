// Package nb holds lossbook's notebook display helpers: Markdown with LaTeX formulas, tensors as HTML tables,
// SVG line plots drawn in Go (no CDN, so they work offline) and a live-updating training curve.
//
// Every helper does nothing outside a GoNB notebook, so the same code runs under go test and in a terminal.
//
// # For contributors
//
// nb owns turning values into HTML, Markdown and SVG. It must not touch training, losses or data; it only
// displays what it is given.
package nb
