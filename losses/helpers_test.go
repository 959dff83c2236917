package losses

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/lossbook/lossbook/lib"
)

// backendForTest returns lossbook's process-wide backend, failing the test if there is none.
func backendForTest(t testing.TB) backends.Backend {
	t.Helper()
	b, err := lib.Backend()
	if err != nil {
		t.Fatalf("lib.Backend: %v", err)
	}
	return b
}

func shapesOf(dtype dtypes.DType, dims ...int) shapes.Shape {
	return shapes.Make(dtype, dims...)
}
