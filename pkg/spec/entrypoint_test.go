package spec

import (
	"reflect"
	"testing"
)

func TestParseEntrypoint(t *testing.T) {
	for in, want := range map[string][]string{
		"":                     {},
		"/bin/sh":              {"/bin/sh"},
		`["/bin/echo","x y"]`:  {"/bin/echo", "x y"},
		` ["a"]`:               {"a"},
		`[]`:                   {},
		`["unterminated`:       {`["unterminated`},
		`[1,2]`:                {`[1,2]`},
		"/bin/echo [not json]": {"/bin/echo [not json]"},
	} {
		if got := ParseEntrypoint(in); !reflect.DeepEqual(got, want) {
			t.Errorf("ParseEntrypoint(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseEntrypoint: any input yields a non-nil argv, and a value that
// is not a JSON array is kept whole as the one executable.
func FuzzParseEntrypoint(f *testing.F) {
	for _, s := range []string{"", "/bin/sh", `["/bin/echo","x"]`, `[`, `[1]`, ` [""]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseEntrypoint(s)
		if got == nil {
			t.Fatalf("nil argv for %q", s)
		}
		if s != "" && len(got) == 1 && got[0] != s && s[0] != ' ' && s[0] != '[' {
			t.Fatalf("%q rewritten to %q", s, got)
		}
	})
}
