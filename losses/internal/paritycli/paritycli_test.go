package paritycli

import (
	"strings"
	"testing"
)

// TestRun checks the committed samples of both oracles (see the TestSample of paritycheck and kerasparity) and
// that a checker refuses the other oracle's cases.
func TestRun(t *testing.T) {
	torch := Checker{Command: "paritycheck", Oracle: "PyTorch", Versions: []string{"torch"}, NameWidth: 26}
	keras := Checker{Command: "kerasparity", Oracle: "Keras", Framework: "keras", Versions: []string{"keras", "jax"},
		NameWidth: 36}
	const torchCases, kerasCases = "../paritycheck/testdata/sample.json", "../kerasparity/testdata/sample.json"
	for _, tc := range []struct {
		name    string
		checker Checker
		cases   string
		want    []string // lines the report holds, at their start
		wantErr string   // "" for none
	}{
		{"PyTorch", torch, torchCases, []string{
			"paritycheck: 46 cases from " + torchCases + " (torch 1.13.0a0, seed 0), tolerance 1e-07 relative, float64",
			"loss                        cases  failed    worst value worst gradient",
			"  CrossEntropyLoss/0           value 0         gradient ",
			"CrossEntropyLoss                2       0 ",
			"paritycheck: 46/46 cases agree"}, ""},
		{"Keras", keras, kerasCases, []string{
			"kerasparity: 60 cases from " + kerasCases + " (keras 3.",
			"loss                                  cases  failed    worst value worst gradient",
			"kerasparity: 60/60 cases agree"}, ""},
		{"Keras cases to the PyTorch checker", torch, kerasCases, nil, `framework "keras", want ""`},
		{"PyTorch cases to the Keras checker", keras, torchCases, nil, `framework "", want "keras"`},
		{"no such file", torch, "testdata/absent.json", nil, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := tc.checker.Run(Options{Cases: tc.cases, Tol: 1e-7, Verbose: true}, &out)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Run: %v\n%s", err, out.String())
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Run: error %v, want one containing %q", err, tc.wantErr)
			}
			lines := strings.Split(out.String(), "\n")
			for _, want := range tc.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, want)
				}
				if !found {
					t.Errorf("report lacks a line starting %q:\n%s", want, out.String())
				}
			}
		})
	}
}
