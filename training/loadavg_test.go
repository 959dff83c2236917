package training_test

import (
	"os"
	"testing"

	"github.com/lossbook/lossbook/training"
)

func TestLoadAverage(t *testing.T) {
	v := training.LoadAverage()
	if _, err := os.Stat("/proc/loadavg"); err != nil {
		if v != -1 {
			t.Errorf("LoadAverage() = %g without /proc/loadavg, want -1", v)
		}
		return
	}
	if !(v >= 0) {
		t.Errorf("LoadAverage() = %g, want a load average >= 0", v)
	}
}
