package lib

import (
	"runtime"
	"testing"
)

func TestSize(t *testing.T) {
	tests := []struct {
		env  string
		want int
	}{
		{"", 100}, {"1", 5}, {"true", 5}, {"0", 100}, {"false", 100}, {"nonsense", 100},
	}
	for _, tc := range tests {
		t.Setenv(EnvSmoke, tc.env)
		if got := Size(100, 5); got != tc.want {
			t.Errorf("LOSSBOOK_SMOKE=%q: Size(100, 5) = %d, want %d", tc.env, got, tc.want)
		}
	}
}

func TestVersions(t *testing.T) {
	v := Versions()
	if v["go"] != runtime.Version() {
		t.Errorf("go version = %q, want %q", v["go"], runtime.Version())
	}
	for _, k := range []string{"gomlx", "gonb"} {
		if v[k] == "" {
			t.Errorf("version of %s is empty, want a version or \"unknown\"", k)
		}
	}
}
