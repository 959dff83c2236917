// Package models holds the small language models lossbook trains: built from GoMLX layers, with their variables
// in a GoMLX context.
//
// It owns: model graphs (embeddings, encoders, heads). It must not touch: loss formulas (package losses),
// optimizers (package training), data reading or display.
package models
