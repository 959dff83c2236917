// Command examplecheck fails when an Example function in a _test.go file has no "// Output:" (or
// "// Unordered output:") comment: without one, `go test` compiles the example but never runs it.
//
// Usage: go run ./internal/cmd/examplecheck [root]
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	bad, total, err := check(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "examplecheck:", err)
		os.Exit(2)
	}
	for _, b := range bad {
		fmt.Fprintln(os.Stderr, b)
	}
	if len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "examplecheck: %d of %d Example functions have no // Output: line\n", len(bad), total)
		os.Exit(1)
	}
	fmt.Printf("examplecheck: all %d Example functions have an // Output: line\n", total)
}

// check returns "file:line: ExampleX" for each Example without an output comment, and the number of Examples.
func check(root string) (bad []string, total int, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "build" || name == "tools") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") || fn.Body == nil {
				continue
			}
			total++
			if !hasOutput(f, fn) {
				bad = append(bad, fmt.Sprintf("%s: %s has no // Output: line", fset.Position(fn.Pos()), fn.Name.Name))
			}
		}
		return nil
	})
	return bad, total, err
}

func hasOutput(f *ast.File, fn *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() < fn.Body.Lbrace || cg.End() > fn.Body.Rbrace {
			continue
		}
		for _, c := range cg.List {
			text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			lower := strings.ToLower(text)
			if strings.HasPrefix(lower, "output:") || strings.HasPrefix(lower, "unordered output:") {
				return true
			}
		}
	}
	return false
}
