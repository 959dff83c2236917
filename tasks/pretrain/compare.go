package pretrain

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lossbook/lossbook/lib"
)

// WeightingRun is one run of CompareLossWeighting: its held-out evaluations (plain MLM cross-entropy and
// accuracy, NSP accuracy; the learned weights for the uncertainty run) and its time.
type WeightingRun struct {
	LossWeighting  string     `json:"loss_weighting"`
	Evals          []Eval     `json:"evals"` // every evaluation, the last one at the final step
	Final          Eval       `json:"final"`
	Steps          int        `json:"steps"`
	Seconds        float64    `json:"seconds"` // training wall time, evaluations included
	StepsPerSecond float64    `json:"steps_per_second"`
	LoadAverage    [2]float64 `json:"load_average"` // 1-minute load average at the start and at the end
}

// WeightingComparison is CompareLossWeighting's result, the JSON of tasks/pretrain/testdata/loss_weighting.json.
type WeightingComparison struct {
	Command        string         `json:"command,omitempty"` // the command that produced it (set by the caller)
	Backend        string         `json:"backend"`
	Config         Config         `json:"config"` // the runs' configuration, LossWeighting apart
	UnigramEntropy float64        `json:"unigram_entropy"`
	TrainPairs     int            `json:"train_pairs"`
	EvalPairs      int            `json:"eval_pairs"`
	Runs           []WeightingRun `json:"runs"` // fixed, then uncertainty
	Seconds        float64        `json:"seconds"`
	Date           string         `json:"date"` // when it finished, UTC, RFC 3339
}

// CompareLossWeighting pre-trains cfg twice, once with each LossWeighting ("fixed", then "uncertainty"), on the
// same steps, seed, data, masking, initialisation and schedule: only the objective differs. The runs are written
// to the run directories cfg.OutputDir/fixed and cfg.OutputDir/uncertainty, which must not hold runs yet;
// cfg.LossWeighting and cfg.Resume are ignored, and cfg.Minutes must be 0 (a time budget would give the runs
// different numbers of steps). It returns an error as Train does.
func CompareLossWeighting(ctx context.Context, cfg Config, opts ...Option) (*WeightingComparison, error) {
	if cfg.Minutes != 0 {
		return nil, fmt.Errorf("pretrain: CompareLossWeighting: minutes %g, want 0 (both runs take max_steps %d)",
			cfg.Minutes, cfg.MaxSteps)
	}
	backend, err := lib.Backend()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	base := cfg.OutputDir
	cmp := &WeightingComparison{Backend: backend.Name()}
	for _, w := range LossWeightings() {
		c := cfg
		c.LossWeighting, c.Resume, c.OutputDir = w, false, filepath.Join(base, w)
		m, err := Train(ctx, c, opts...)
		if err != nil {
			return nil, fmt.Errorf("pretrain: CompareLossWeighting: %s: %w", w, err)
		}
		met := m.Metrics
		cmp.Runs = append(cmp.Runs, WeightingRun{LossWeighting: w, Evals: met.Evals, Final: met.Final, Steps: met.Steps,
			Seconds: met.Seconds, StepsPerSecond: met.StepsPerSecond, LoadAverage: met.LoadAverage})
		cmp.Config, cmp.UnigramEntropy, cmp.TrainPairs, cmp.EvalPairs = m.Config, met.UnigramEntropy, met.TrainPairs, met.EvalPairs
	}
	cmp.Config.LossWeighting = ""
	cmp.Seconds = time.Since(start).Seconds()
	cmp.Date = time.Now().UTC().Format(time.RFC3339)
	return cmp, nil
}

// Run returns the run with the given LossWeighting, or nil.
func (c *WeightingComparison) Run(weighting string) *WeightingRun {
	for i := range c.Runs {
		if c.Runs[i].LossWeighting == weighting {
			return &c.Runs[i]
		}
	}
	return nil
}

// Curves returns a run's evaluation steps and, at each, the held-out masked-token cross-entropy, masked-token
// accuracy and NSP accuracy; for the uncertainty run also the learned weights of MLM and NSP (nil otherwise).
func (r *WeightingRun) Curves() (steps, mlmLoss, mlmAccuracy, nspAccuracy []float64, weights [2][]float64) {
	for _, e := range r.Evals {
		steps = append(steps, float64(e.Step))
		mlmLoss, mlmAccuracy = append(mlmLoss, e.MLMLoss), append(mlmAccuracy, e.MLMAccuracy)
		nspAccuracy = append(nspAccuracy, e.NSPAccuracy)
		if len(e.LossWeights) == 2 {
			weights[0], weights[1] = append(weights[0], e.LossWeights[0]), append(weights[1], e.LossWeights[1])
		}
	}
	return steps, mlmLoss, mlmAccuracy, nspAccuracy, weights
}

// WriteWeightingComparison writes c as indented JSON to path atomically (a temporary file, then rename).
func WriteWeightingComparison(path string, c *WeightingComparison) error {
	return writeJSON(path, c)
}

// ReadWeightingComparison reads a WeightingComparison written by WriteWeightingComparison (the committed
// tasks/pretrain/testdata/loss_weighting.json); it returns an error for a missing or malformed file, or one
// without both runs.
func ReadWeightingComparison(path string) (*WeightingComparison, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	var c WeightingComparison
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("pretrain: %s: %w", path, err)
	}
	for _, w := range LossWeightings() {
		if r := c.Run(w); r == nil || len(r.Evals) == 0 {
			return nil, fmt.Errorf("pretrain: %s: no %q run with evaluations", path, w)
		}
	}
	return &c, nil
}
