package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// notInTheSuite are the interface methods the conformance suite does not call, and why.
var notInTheSuite = map[string]string{
	"Path": "names the database in messages; what it returns differs per implementation",
}

// TestEveryMethodHasAConformanceCase fails when a Store or Tx method is called by no case in
// storetest: a second implementation would then pass the suite without implementing it right.
func TestEveryMethodHasAConformanceCase(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "store.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var suite []byte
	files, _ := filepath.Glob(filepath.Join("storetest", "*.go"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		suite = append(suite, b...)
	}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gen.Specs {
			ts, ok := spec.(*ast.TypeSpec)
			if !ok || (ts.Name.Name != "Store" && ts.Name.Name != "Tx") {
				continue
			}
			for _, m := range ts.Type.(*ast.InterfaceType).Methods.List {
				for _, name := range m.Names {
					if _, skip := notInTheSuite[name.Name]; skip {
						continue
					}
					if !regexp.MustCompile(`\.` + name.Name + `\(`).Match(suite) {
						t.Errorf("%s.%s has no conformance case in storetest", ts.Name.Name, name.Name)
					}
				}
			}
		}
	}
}
