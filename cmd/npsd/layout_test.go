package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/npsd/npsd"

// goPackage is one folder of the module as the layout rules see it.
type goPackage struct {
	dir       string // relative to the module root, with slashes
	lines     int    // non-test lines
	doc       bool   // some file carries a package doc comment
	imports   []string
	longFuncs []string
}

// modulePackages reads every package of the module from the source, so
// the rules need no go command and no network.
func modulePackages(t *testing.T) map[string]*goPackage {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*goPackage{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		p := pkgs[rel]
		if p == nil {
			p = &goPackage{dir: rel}
			pkgs[rel] = p
		}
		p.lines += strings.Count(string(src), "\n")
		p.doc = p.doc || f.Doc != nil
		for _, imp := range f.Imports {
			if path := strings.Trim(imp.Path.Value, `"`); strings.HasPrefix(path, modulePath+"/") {
				p.imports = append(p.imports, strings.TrimPrefix(path, modulePath+"/"))
			}
		}
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > 80 {
					p.longFuncs = append(p.longFuncs, fd.Name.Name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestLayout holds the house to its map: the binary is a thin door, no
// package or function grows past what one reader can hold, each package
// says what it owns, and imports go one way.
func TestLayout(t *testing.T) {
	pkgs := modulePackages(t)
	if p := pkgs["cmd/npsd"]; p == nil || p.lines > 1200 {
		t.Errorf("cmd/npsd has %d non-test lines, more than 1,200: move the work to a package", p.lines)
	}
	// The pipeline packages, which the store and the leaves must not know.
	// The readers under inbound (reply, email) are leaves themselves.
	pipeline := []string{"scheduler", "dispatcher", "inbound", "inbound/mailbox", "internal/app"}
	for dir, p := range pkgs {
		if p.lines > 3000 {
			t.Errorf("%s has %d non-test lines, more than 3,000", dir, p.lines)
		}
		if !p.doc {
			t.Errorf("%s has no package doc comment saying what it owns", dir)
		}
		if len(p.longFuncs) > 0 {
			t.Errorf("%s has functions over 80 lines: %s (split them where it reads better)", dir, strings.Join(p.longFuncs, ", "))
		}
		for _, imp := range p.imports {
			under := func(prefixes ...string) bool {
				return slices.ContainsFunc(prefixes, func(pre string) bool { return imp == pre || strings.HasPrefix(imp, pre+"/") })
			}
			switch {
			case under("cmd"):
				t.Errorf("%s imports the binary %s", dir, imp)
			case (dir == "store" || strings.HasPrefix(dir, "store/") || dir == "nps" || dir == "templates" || strings.HasPrefix(dir, "internal/sendwindow") || strings.HasPrefix(dir, "internal/contact") || dir == "internal/links" || dir == "inbound/email" || dir == "inbound/reply") && slices.Contains(pipeline, imp):
				t.Errorf("%s imports the pipeline package %s", dir, imp)
			case (strings.HasPrefix(dir, "scheduler") || strings.HasPrefix(dir, "inbound")) && under("dispatcher"):
				t.Errorf("%s imports the dispatcher", dir)
			}
		}
	}
}
