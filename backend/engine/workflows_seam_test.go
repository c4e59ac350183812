package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestWorkflowServiceReachesRuntimeOnlyThroughItsInterface keeps the split between the
// workflow service and the runtime: the service's files never name the Engine type, so
// everything they need from the runtime goes through workflowRuntime.
func TestWorkflowServiceReachesRuntimeOnlyThroughItsInterface(t *testing.T) {
	fset := token.NewFileSet()
	for _, name := range []string{"workflows.go", "publish.go", "versions.go", "trash.go"} {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "Engine" {
				t.Errorf("%s: the workflow service names Engine; add what it needs to workflowRuntime instead", fset.Position(id.Pos()))
			}
			return true
		})
	}
}
