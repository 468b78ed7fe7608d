package secrets

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Ref
		path string
	}{
		{"db", Ref{Source: "db", Type: TypeMount, Mode: 0o444}, "/run/secrets/db"},
		{"db,type=mount,target=conf/pw,uid=1000,gid=100,mode=0400", Ref{Source: "db", Type: TypeMount, Target: "conf/pw", UID: 1000, GID: 100, Mode: 0o400}, "/run/secrets/conf/pw"},
		{"source=db,target=/etc/pw", Ref{Source: "db", Type: TypeMount, Target: "/etc/pw", Mode: 0o444}, "/etc/pw"},
		{"db,type=env", Ref{Source: "db", Type: TypeEnv, Target: "db", Mode: 0o444}, ""},
		{"db,type=env,target=PASSWORD", Ref{Source: "db", Type: TypeEnv, Target: "PASSWORD", Mode: 0o444}, ""},
	} {
		got, err := ParseRef(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got != tc.want {
			t.Fatalf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
		if tc.path != "" {
			if p, _ := got.Path(); p != tc.path {
				t.Fatalf("%q: path %q, want %q", tc.in, p, tc.path)
			}
		}
	}
}

func TestParseRefRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "no source found",
		"type=mount":            "no source found",
		"db,type=file":          "type file is invalid",
		"db,mode=999":           "mode 999 invalid",
		"db,uid=-1":             "UID -1 invalid",
		"db,gid=x":              "GID x invalid",
		"db,bogus=1":            "option bogus=1 invalid",
		"db,ro":                 "must be in form option=value",
		"db,type=env,uid=0":     "cannot be set with secret type env",
		"db,type=env,target=A=": "not a valid environment variable name",
		"db,target=../../etc/x": "must stay under /run/secrets",
		"db,target=/":           "name a file",
		"db,target=.":           "name a file",
		"db,type=env,type=env":  "given twice",
	} {
		_, err := ParseRef(in)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, errParse) {
			t.Fatalf("%q: got %v, want an error with %q", in, err, want)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "db_pw.1", "A-b"} {
		if err := ValidName(ok); err != nil {
			t.Fatalf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a.", "a/b", "a b", strings.Repeat("a", 65)} {
		if err := ValidName(bad); !errors.Is(err, ErrInvalidName) {
			t.Fatalf("%q: got %v", bad, err)
		}
	}
}

// FuzzParseRef: no input panics; what parses names a source, a known type,
// and for a mount a clean absolute path that is never / or /run/secrets
// itself, and relative targets that stay under /run/secrets.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"db", "db,type=env", "db,target=a/b,mode=0400,uid=1,gid=2", "source=x,target=/etc/x", "x,target=../..", ",,", "a,type=env,target="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		if r.Source == "" || (r.Type != TypeMount && r.Type != TypeEnv) {
			t.Fatalf("%q parsed to %+v", s, r)
		}
		if r.Type == TypeMount {
			p, err := r.Path()
			if err != nil || !strings.HasPrefix(p, "/") || p == "/" || p == MountDir {
				t.Fatalf("%q: path %q, %v", s, p, err)
			}
			if (r.Target == "" || !strings.HasPrefix(r.Target, "/")) && !strings.HasPrefix(p, MountDir+"/") {
				t.Fatalf("%q: relative target escaped to %q", s, p)
			}
		}
	})
}
