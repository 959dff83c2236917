package lib

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// Versions reports the versions a program runs with: "go" (the toolchain that built it), and, for the modules
// lossbook builds on, "gomlx" and "gonb" (as recorded in the binary's build information; "(devel)" or "unknown"
// when it is not recorded, e.g. in a test binary built outside module mode).
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version(), "gomlx": "unknown", "gonb": "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, dep := range info.Deps {
		m := dep
		if m.Replace != nil {
			m = m.Replace
		}
		switch dep.Path {
		case "github.com/gomlx/gomlx":
			v["gomlx"] = m.Version
		case "github.com/janpfeifer/gonb":
			v["gonb"] = m.Version
		}
	}
	return v
}

// EnvSmoke is the environment variable that asks notebooks and commands to run at a small size ("1", as CI
// does), so that every notebook executes in minutes; unset, they run at full size.
const EnvSmoke = "LOSSBOOK_SMOKE"

// Smoke reports whether LOSSBOOK_SMOKE asks for a small run (any value that strconv.ParseBool reads as true).
func Smoke() bool {
	b, _ := strconv.ParseBool(os.Getenv(EnvSmoke))
	return b
}

// Size returns small when LOSSBOOK_SMOKE is set and full otherwise: notebooks write `steps := lib.Size(2000, 20)`.
func Size(full, small int) int {
	if Smoke() {
		return small
	}
	return full
}
