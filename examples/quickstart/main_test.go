package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// TestREADME keeps the README's Go example and this program identical, so that the README shows code that
// compiles and runs.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Errorf("README.md's Go example differs from examples/quickstart/main.go; copy one onto the other")
	}
}

func TestOutput(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	main()
	os.Stdout = saved
	w.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, r); err != nil {
		t.Fatal(err)
	}
	// PyTorch 1.13.0, float64: nn.CrossEntropyLoss()(x, torch.tensor([0, 1])).item()
	// with x = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype=torch.float64).
	const want = "0.31853976964918573\n"
	if out.String() != want {
		t.Errorf("quickstart printed %q, want %q", out.String(), want)
	}
}
