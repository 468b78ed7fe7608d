package filter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type thing struct {
	id, name, state string
	labels          map[string]string
	created         time.Time
	n               int
	used            bool
}

var (
	t0     = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	things = []thing{
		{id: "aaa111", name: "web-1", state: "running", labels: map[string]string{"app": "web", "tier": "front"}, created: t0, n: 1, used: true},
		{id: "bbb222", name: "db-1", state: "exited", labels: map[string]string{"app": "db"}, created: t0.Add(time.Hour), n: 2},
		{id: "abc333", name: "scratch", state: "created", created: t0.Add(2 * time.Hour)},
	}
	byName = func(ref string) (time.Time, error) {
		for _, x := range things {
			if x.name == ref {
				return x.created, nil
			}
		}
		return time.Time{}, errors.New("no such thing " + ref)
	}
	kind = Kind[thing]{Keys: map[string]Key[thing]{
		"id":     IDPrefix(func(x thing) string { return x.id }),
		"name":   Regex(func(x thing) string { return x.name }),
		"status": Equal(func(x thing) string { return x.state }, "created", "running", "exited"),
		"label":  Label(func(x thing) map[string]string { return x.labels }),
		"until":  Until(func(x thing) time.Time { return x.created }),
		"before": Before(func(x thing) time.Time { return x.created }, byName),
		"since":  Since(func(x thing) time.Time { return x.created }, byName),
		"n":      Int(func(x thing) int { return x.n }),
		"used":   Bool(func(x thing) bool { return x.used }),
	}}
)

func names(t *testing.T, specs ...string) string {
	t.Helper()
	keep, err := kind.Compile(specs)
	if err != nil {
		t.Fatalf("Compile(%q): %v", specs, err)
	}
	var out []string
	for _, x := range things {
		if keep(x) {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, " ")
}

func TestSemantics(t *testing.T) {
	for _, c := range []struct {
		specs []string
		want  string
	}{
		{nil, "web-1 db-1 scratch"},
		{[]string{"id=a"}, "web-1 scratch"},
		{[]string{"id=sha256:bbb"}, "db-1"},
		{[]string{"name=-1$"}, "web-1 db-1"},
		{[]string{"name=^web", "name=^db"}, "web-1 db-1"}, // one key: any
		{[]string{"name=-1", "status=exited"}, "db-1"},    // two keys: all
		{[]string{"status=running", "status=created"}, "web-1 scratch"},
		{[]string{"status!=running"}, "db-1 scratch"},
		{[]string{"status!=running", "status!=exited"}, "scratch"}, // exclusions all hold
		{[]string{"label=app"}, "web-1 db-1"},
		{[]string{"label=app=web"}, "web-1"},
		{[]string{"label=app", "label=tier"}, "web-1"}, // label: every one
		{[]string{"label=app=web", "label=app=db"}, ""},
		{[]string{"label!=app"}, "scratch"},
		{[]string{"label!=app=web"}, "db-1 scratch"},
		{[]string{"label=app", "label!=tier=front"}, "db-1"},
		{[]string{"before=scratch"}, "web-1 db-1"},
		{[]string{"since=web-1"}, "db-1 scratch"},
		{[]string{"since=web-1", "before=scratch"}, "db-1"},
		{[]string{"until=2024-01-01T00:30:00Z"}, "web-1"},
		{[]string{"n=2"}, "db-1"},
		{[]string{"used=true"}, "web-1"},
		{[]string{"used=0"}, "db-1 scratch"},
		{[]string{"label=a=b=c"}, ""},
	} {
		if got := names(t, c.specs...); got != c.want {
			t.Errorf("%q: got %q, want %q", c.specs, got, c.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		spec, want string
	}{
		{"colour=red", `colour is an invalid filter (in "colour=red"): filter on before, id, label, n, name, since, status, until, used`},
		{"label", `invalid filter "label": use KEY=VALUE`},
		{"=x", `invalid filter "=x": use KEY=VALUE`},
		{"!=x", `invalid filter "!=x": use KEY=VALUE`},
		{"name=", `invalid filter "name=": give a value`},
		{"name=(", `invalid filter "name=(": not a regular expression`},
		{"status=sleeping", `invalid filter "status=sleeping": use one of created, running, exited`},
		{"id!=a", `invalid filter "id!=a": id does not take !=`},
		{"n=two", `invalid filter "n=two": give a whole number`},
		{"used=maybe", `invalid filter "used=maybe": use true or false`},
		{"until=soon", `invalid filter "until=soon": not a duration`},
		{"before=nothing", `invalid filter "before=nothing": no such thing nothing`},
	} {
		_, err := kind.Compile([]string{"name=web", c.spec})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error starting %q", c.spec, err, c.want)
		}
	}
	_, err := kind.Compile([]string{"colour=red"})
	var unknown *UnknownKeyError
	if !errors.As(err, &unknown) || unknown.Key != "colour" {
		t.Errorf("unknown key: %v is not an UnknownKeyError", err)
	}
	vols := Kind[thing]{Noun: "volume", Keys: kind.Keys}
	if _, err := vols.Compile([]string{"colour=red"}); err == nil || !strings.HasPrefix(err.Error(), `"colour" is an invalid volume filter`) {
		t.Errorf("volume noun: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Now()
	if got, err := ParseTime("1h"); err != nil || got.After(now.Add(-time.Hour+time.Minute)) || got.Before(now.Add(-time.Hour-time.Minute)) {
		t.Errorf("1h: %v %v", got, err)
	}
	if got, err := ParseTime("1700000000"); err != nil || got.Unix() != 1700000000 {
		t.Errorf("unix: %v %v", got, err)
	}
	if got, err := ParseTime("2024-01-02"); err != nil || got.Year() != 2024 || got.Day() != 2 {
		t.Errorf("date: %v %v", got, err)
	}
}

func TestMatchLabel(t *testing.T) {
	l := map[string]string{"a": "1", "empty": ""}
	for want, ok := range map[string]bool{"a": true, "a=1": true, "a=2": false, "b": false, "empty": true, "empty=": true, "a=": false} {
		if MatchLabel(l, want) != ok {
			t.Errorf("MatchLabel(%q) = %v", want, !ok)
		}
	}
	if MatchLabel(nil, "a") {
		t.Error("nil labels match nothing")
	}
}

// FuzzParse: any input either fails with one line or yields terms that
// rebuild the input, and compiling never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"label=a=b", "label!=a", "name=", "=", "!=", "status!=running", "until=10m", "a!b=c", "name=(", "k=\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := Parse([]string{s})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid filter ") {
				t.Fatalf("error %q does not say what was wrong", err)
			}
		} else {
			if len(terms) != 1 || terms[0].Key == "" || terms[0].Value == "" {
				t.Fatalf("Parse(%q) = %+v", s, terms)
			}
			op := "="
			if terms[0].Negate {
				op = "!="
			}
			if terms[0].Key+op+terms[0].Value != s {
				t.Fatalf("Parse(%q) = %+v does not rebuild the input", s, terms[0])
			}
		}
		keep, err := kind.Compile([]string{s})
		if err == nil {
			for _, x := range things {
				keep(x)
			}
		}
	})
}
