package main

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/spf13/pflag"
)

// listValue is a repeatable string flag, pflag's stringArray (same type name,
// same parsing, so GetStringArray and pflag.SliceValue work on it) without its
// cost at definition: pflag renders every default through encoding/csv with a
// fresh 4 KiB buffer when a flag is defined, about a hundred times per start
// of roost (run's and create's flags), ~3 ms of every command here.
type listValue struct {
	p       *[]string
	changed bool
}

// stringArray defines a listValue flag as FlagSet.StringArrayVar does.
func stringArray(fs *pflag.FlagSet, p *[]string, name string, def []string, usage string) {
	stringArrayP(fs, p, name, "", def, usage)
}

// stringArrayP is stringArray with a shorthand.
func stringArrayP(fs *pflag.FlagSet, p *[]string, name, short string, def []string, usage string) {
	*p = def
	fs.VarP(&listValue{p: p}, name, short, usage)
}

func (v *listValue) Set(s string) error {
	if !v.changed {
		*v.p = []string{s} // the first use replaces the default
		v.changed = true
		return nil
	}
	*v.p = append(*v.p, s)
	return nil
}

func (v *listValue) Type() string { return "stringArray" }

// String is pflag's form, "[a,b]" in CSV, which GetStringArray parses back.
func (v *listValue) String() string {
	if len(*v.p) == 0 {
		return "[]"
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(*v.p)
	w.Flush()
	return "[" + strings.TrimSuffix(b.String(), "\n") + "]"
}

func (v *listValue) Append(s string) error {
	*v.p = append(*v.p, s)
	return nil
}

func (v *listValue) Replace(vals []string) error {
	*v.p = append([]string(nil), vals...)
	return nil
}

func (v *listValue) GetSlice() []string { return *v.p }
