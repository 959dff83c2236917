package data

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// The fuzz targets run their seed corpus under go test (make test runs each for a few seconds more with
// -fuzz); `go test -fuzz FuzzZText -fuzztime 10m ./lib/data` runs one longer. Inputs that found a bug are kept
// under testdata/fuzz/<target>.

// FuzzZText: opening a zText module and reading every slot of it, from arbitrary .bzs/.bzv/.bzz files, returns
// an error or text, never panics, and never inflates a block past what its record declares.
func FuzzZText(f *testing.F) {
	good := makeZText("m", [2]int{5, 3}, zTextEntries{{0: "In the beginning", 2: "<w>God</w> created", 4: "x"},
		{1: "Jesus wept."}}, 2)
	f.Add(good["m/ot.bzs"], good["m/ot.bzv"], good["m/ot.bzz"])
	f.Add(good["m/nt.bzs"], good["m/nt.bzv"], good["m/nt.bzz"])
	f.Add(good["m/ot.bzs"], good["m/nt.bzv"], good["m/ot.bzz"])
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add(good["m/ot.bzs"][:12], good["m/ot.bzv"], good["m/ot.bzz"][:5])
	f.Fuzz(func(t *testing.T, bzs, bzv, bzz []byte) {
		fsys := fstest.MapFS{
			"m/ot.bzs": {Data: bzs}, "m/ot.bzv": {Data: bzv}, "m/ot.bzz": {Data: bzz},
		}
		z, err := OpenZText(fsys, "m")
		if err != nil {
			return
		}
		for testament := range 2 {
			for slot := range z.Slots(testament) {
				if _, err := z.Entry(testament, slot); err != nil {
					continue
				}
			}
		}
		for _, zt := range z.testaments {
			for i, b := range zt.decoded {
				if len(b) != int(zt.blocks[i].size) {
					t.Fatalf("block %d decoded to %d bytes, its record declares %d", i, len(b), zt.blocks[i].size)
				}
			}
		}
	})
}

// FuzzTarGz: reading an npm tarball of arbitrary bytes returns an error or the files, never panics; the files
// of a valid tarball come back under their names.
func FuzzTarGz(f *testing.F) {
	f.Add(makeTarGz(f, map[string][]byte{"data/a.txt": []byte("hello"), "cats.txt": []byte("ca01 news\n")}))
	f.Add(makeTarGz(f, map[string][]byte{}))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte("not a tarball"))
	f.Fuzz(func(t *testing.T, tgz []byte) {
		path := filepath.Join(t.TempDir(), "p.tgz")
		if err := os.WriteFile(path, tgz, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = walkTarGz(path, func(name string, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
	})
}
