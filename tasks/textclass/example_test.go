package textclass_test

import (
	"context"
	"fmt"
	"io"

	"github.com/lossbook/lossbook/tasks/textclass"
)

// A classifier trained in memory (no run directory) on 120 made-up mails, then asked about two new ones.
func ExampleTrain() {
	cfg := textclass.DefaultConfig().Smoke()
	cfg.Data = "testdata/tiny.jsonl" // {"text": ..., "label": "ham" or "spam"} a line
	cfg.VocabSize, cfg.MaxLength, cfg.Steps = 100, 24, 30
	cfg.OptimizerArgs = map[string]any{"lr": 0.02}
	cfg.Progress, cfg.NoPlot = io.Discard, true
	m, err := textclass.Train(context.Background(), cfg)
	if err != nil {
		panic(err)
	}
	preds, _ := m.Predict([]string{"free money, click now", "review of the kernel patch tomorrow"})
	fmt.Println(m.Classes, preds[0].Class, preds[1].Class, m.Metrics.Test.N)
	// Output: [ham spam] spam ham 12
}
