// Package filter reads --filter KEY=VALUE lists with Podman's and Docker's
// meaning and turns them into one test per object. Each kind of object
// (container, image, volume, network, pod) declares the keys it accepts and
// how each key matches one of its objects; the combining rules, the error
// for an unknown key and label matching live here, once.
//
// The rules, as Podman documents them for ps: values given for one key are
// alternatives (any may match), except label, where every one must; keys
// together must all match. KEY!=VALUE excludes what KEY=VALUE would match,
// for the keys that allow it (label everywhere).
package filter

import (
	"fmt"
	"slices"
	"strings"
)

// Term is one --filter value as the user wrote it.
type Term struct {
	Key    string
	Value  string
	Negate bool // written KEY!=VALUE
	Raw    string
}

// Parse reads KEY=VALUE and KEY!=VALUE terms, in order. It checks syntax
// only; which keys exist is the kind's business (Kind.Compile).
func Parse(specs []string) ([]Term, error) {
	terms := make([]Term, 0, len(specs))
	for _, s := range specs {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" || key == "!" {
			return nil, fmt.Errorf("invalid filter %q: use KEY=VALUE (or KEY!=VALUE)", s)
		}
		t := Term{Key: key, Value: value, Raw: s}
		if k, neg := strings.CutSuffix(key, "!"); neg {
			t.Key, t.Negate = k, true
		}
		if value == "" {
			return nil, fmt.Errorf("invalid filter %q: give a value after the =", s)
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// Predicate answers a filter for one object.
type Predicate[T any] func(T) bool

// Key is how one filter key matches objects of type T.
type Key[T any] struct {
	// Compile turns one value into a test; an error means the value is bad
	// (not a number, not a valid pattern...).
	Compile func(value string) (Predicate[T], error)
	// Every: repeated values must all match (label), rather than any.
	Every bool
	// Negatable: KEY!=VALUE is accepted.
	Negatable bool
}

// Kind is the set of keys one command accepts for its objects.
type Kind[T any] struct {
	// Noun qualifies the unknown-key error where Podman's does ("volume").
	Noun string
	Keys map[string]Key[T]
}

// KeyNames lists the accepted keys, sorted, for help and errors.
func (k Kind[T]) KeyNames() []string {
	names := make([]string, 0, len(k.Keys))
	for n := range k.Keys {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Compile parses specs and returns the test they make together. No specs
// make a test that keeps everything.
func (k Kind[T]) Compile(specs []string) (Predicate[T], error) {
	terms, err := Parse(specs)
	if err != nil {
		return nil, err
	}
	var order []string
	byKey := map[string][]Term{}
	for _, t := range terms {
		if err := k.check(t); err != nil {
			return nil, err
		}
		if _, seen := byKey[t.Key]; !seen {
			order = append(order, t.Key)
		}
		byKey[t.Key] = append(byKey[t.Key], t)
	}
	all := make([]Predicate[T], 0, len(order))
	for _, key := range order {
		p, err := k.compileKey(k.Keys[key], byKey[key])
		if err != nil {
			return nil, err
		}
		all = append(all, p)
	}
	return allOf(all), nil
}

func (k Kind[T]) check(t Term) error {
	key, ok := k.Keys[t.Key]
	if !ok {
		return &UnknownKeyError{Term: t.Raw, Key: t.Key, Noun: k.Noun, Accepted: k.KeyNames()}
	}
	if t.Negate && !key.Negatable {
		return fmt.Errorf("invalid filter %q: %s does not take !=, use %s=", t.Raw, t.Key, t.Key)
	}
	return nil
}

// compileKey combines the values given for one key: the positive ones as
// alternatives (or all required, for Every keys), the negated ones as
// exclusions that must all hold.
func (k Kind[T]) compileKey(key Key[T], terms []Term) (Predicate[T], error) {
	var pos, neg []Predicate[T]
	for _, t := range terms {
		p, err := key.Compile(t.Value)
		if err != nil {
			return nil, fmt.Errorf("invalid filter %q: %w", t.Raw, err)
		}
		if t.Negate {
			neg = append(neg, not(p))
		} else {
			pos = append(pos, p)
		}
	}
	parts := neg
	switch {
	case key.Every:
		parts = append(parts, pos...)
	case len(pos) > 0:
		parts = append(parts, anyOf(pos))
	}
	return allOf(parts), nil
}

// UnknownKeyError is a filter key the command does not know. Its text
// starts with Podman's words ("KEY is an invalid filter") for scripts that
// read them, then names the keys that work.
type UnknownKeyError struct {
	Term     string
	Key      string
	Noun     string
	Accepted []string
}

func (e *UnknownKeyError) Error() string {
	what := e.Key + " is an invalid filter"
	if e.Noun != "" {
		what = fmt.Sprintf("%q is an invalid %s filter", e.Key, e.Noun)
	}
	return fmt.Sprintf("%s (in %q): filter on %s", what, e.Term, strings.Join(e.Accepted, ", "))
}

func not[T any](p Predicate[T]) Predicate[T] { return func(x T) bool { return !p(x) } }

func anyOf[T any](ps []Predicate[T]) Predicate[T] {
	return func(x T) bool {
		for _, p := range ps {
			if p(x) {
				return true
			}
		}
		return false
	}
}

func allOf[T any](ps []Predicate[T]) Predicate[T] {
	return func(x T) bool {
		for _, p := range ps {
			if !p(x) {
				return false
			}
		}
		return true
	}
}

// WithNot returns the key with KEY!=VALUE accepted.
func (k Key[T]) WithNot() Key[T] {
	k.Negatable = true
	return k
}
