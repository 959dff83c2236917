package nb_test

import (
	"fmt"
	"strings"

	"github.com/lossbook/lossbook/nb"
)

// A plot of a loss against the prediction, as SVG. In a notebook, call Display() instead of SVG().
func ExamplePlot() {
	var xs, ys []float64
	for i := 1; i <= 100; i++ {
		p := float64(i) / 100
		xs = append(xs, p)
		ys = append(ys, (1-p)*(1-p)) // squared error when the target is 1
	}
	svg := nb.NewPlot("MSE against the prediction").Labels("prediction", "loss").Line("target 1", xs, ys).SVG()
	fmt.Println(strings.HasPrefix(svg, "<svg"), strings.Count(svg, "<polyline"))
	// Output: true 1
}

func ExampleFormulaMarkdown() {
	fmt.Println(nb.FormulaMarkdown(`\ell = -\log p_y`))
	// Output: $$\ell = -\log p_y$$
}

func ExampleTableHTML() {
	fmt.Println(nb.TableHTML([]string{"loss", "value"}, [][]string{{"CE", "0.42"}}))
	// Output: <table style="border-collapse:collapse;font-family:monospace"><thead><tr><th style="border-bottom:1px solid #888;padding:2px 8px;text-align:right">loss</th><th style="border-bottom:1px solid #888;padding:2px 8px;text-align:right">value</th></tr></thead><tbody><tr><td style="padding:2px 8px;text-align:right">CE</td><td style="padding:2px 8px;text-align:right">0.42</td></tr></tbody></table>
}

// Outside a notebook a Curve only records its points; in one it redraws itself in place.
func ExampleCurve() {
	curve := nb.NewCurve("training loss")
	for step := range 5 {
		curve.Add("train", step, 1/float64(step+1))
	}
	curve.Done()
	steps, losses := curve.Values("train")
	fmt.Println(steps[4], losses[4])
	// Output: 4 0.2
}
