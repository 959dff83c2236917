//go:build !noxla && cgo && ((linux && amd64) || darwin)

package lib

import (
	"strings"
	"testing"
)

func TestNewXLAWithDevices(t *testing.T) {
	if _, err := NewXLAWithDevices(0); err == nil || !strings.Contains(err.Error(), "want at least 1") {
		t.Errorf("NewXLAWithDevices(0) = %v, want an error saying at least 1", err)
	}
	if _, err := findPlugin("cpu"); err != nil {
		t.Skipf("no usable XLA CPU plugin: %v", err)
	}
	for _, n := range []int{1, 3} {
		b, err := NewXLAWithDevices(n)
		if err != nil {
			t.Fatalf("NewXLAWithDevices(%d): %v", n, err)
		}
		if got := b.NumDevices(); got != n {
			t.Errorf("NewXLAWithDevices(%d) has %d devices", n, got)
		}
		b.Finalize()
	}
}
