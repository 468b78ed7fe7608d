package filter

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The keys below are shared by several kinds; a kind picks them and says
// which field of its objects each one reads.

// Label is label=KEY, label=KEY=VALUE and label!=...: every value must
// match, as in Podman and Docker.
func Label[T any](labels func(T) map[string]string) Key[T] {
	return Key[T]{
		Compile: func(want string) (Predicate[T], error) {
			return func(x T) bool { return MatchLabel(labels(x), want) }, nil
		},
		Every:     true,
		Negatable: true,
	}
}

// MatchLabel reports whether labels has KEY (want is "KEY") or has KEY set
// to VALUE (want is "KEY=VALUE"). It is the one label test of Roost.
func MatchLabel(labels map[string]string, want string) bool {
	k, v, withValue := strings.Cut(want, "=")
	got, ok := labels[k]
	return ok && (!withValue || got == v)
}

// IDPrefix matches an id that starts with the value; a "sha256:" before
// either is ignored.
func IDPrefix[T any](id func(T) string) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		v = strings.TrimPrefix(v, "sha256:")
		return func(x T) bool { return strings.HasPrefix(strings.TrimPrefix(id(x), "sha256:"), v) }, nil
	}}
}

// Regex matches a name against a regular expression, unanchored as in
// Podman: name=web matches "web" and "my-web-1", name=^web$ only "web".
func Regex[T any](name func(T) string) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, fmt.Errorf("not a regular expression: %w", err)
		}
		return func(x T) bool { return re.MatchString(name(x)) }, nil
	}}
}

// Equal matches a field that equals the value. With choices, a value that
// is none of them is an error naming them.
func Equal[T any](field func(T) string, choices ...string) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		if len(choices) > 0 && !slices.Contains(choices, v) {
			return nil, fmt.Errorf("use one of %s", strings.Join(choices, ", "))
		}
		return func(x T) bool { return field(x) == v }, nil
	}, Negatable: true}
}

// Bool matches a yes/no property: true or false (1 or 0).
func Bool[T any](field func(T) bool) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		want, err := parseBool(v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return field(x) == want }, nil
	}}
}

// Int matches a whole-number property.
func Int[T any](field func(T) int) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("give a whole number")
		}
		return func(x T) bool { return field(x) == n }, nil
	}}
}

// Until keeps objects created before a time (see ParseTime).
func Until[T any](created func(T) time.Time) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		t, err := ParseTime(v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return created(x).Before(t) }, nil
	}}
}

// Resolver gives the creation time of another object of the same kind,
// named by the user (before=NAME, since=NAME).
type Resolver func(ref string) (time.Time, error)

// Before keeps objects created before the one named.
func Before[T any](created func(T) time.Time, resolve Resolver) Key[T] {
	return relative(created, resolve, time.Time.Before)
}

// Since keeps objects created after the one named.
func Since[T any](created func(T) time.Time, resolve Resolver) Key[T] {
	return relative(created, resolve, time.Time.After)
}

// relative compares each object's creation time with the named object's.
func relative[T any](created func(T) time.Time, resolve Resolver, cmp func(a, b time.Time) bool) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		t, err := resolve(v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return cmp(created(x), t) }, nil
	}}
}

// Func is a key whose matching is the kind's own: match gets each value.
func Func[T any](match func(x T, value string) bool) Key[T] {
	return Key[T]{Compile: func(v string) (Predicate[T], error) {
		return func(x T) bool { return match(x, v) }, nil
	}}
}

// ParseTime reads an until= value: a Go duration before now ("10m",
// "1h30m"), Unix seconds, or a date and time (RFC 3339, or local
// 2006-01-02[T15:04[:05]]).
func ParseTime(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(int64(secs), 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a duration (10m), Unix time or date (2006-01-02T15:04:05)")
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("use true or false")
}
