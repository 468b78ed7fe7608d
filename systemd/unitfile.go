package systemd

import (
	"fmt"
	"strings"
)

// File is a parsed unit-format file (a Quadlet file or a unit): sections of
// KEY=VALUE entries in order, each with its line for messages.
type File struct {
	Path     string
	Sections []*Section
}

// Section is one [Name] of a File.
type Section struct {
	Name    string
	Entries []Entry
}

// Entry is one KEY=VALUE line (continuations joined).
type Entry struct {
	Key, Value string
	Line       int
}

// ParseFile reads systemd's unit syntax: [Section] headers, KEY=VALUE,
// comments starting with # or ;, and lines continued with a trailing \.
//
// Roost's own parser rather than go-systemd's unit.DeserializeSections
// (which writes every generated unit, see writeSections): Quadlet's errors
// and warnings name file:line, and the library keeps no line numbers, not
// even in its errors; it also keeps "\\\n" inside continued values where
// systemd joins with a space, takes a comment line inside a continuation
// as part of the value, silently drops lines before the first [Section],
// and refuses lines over 2048 bytes (systemd takes 1 MB).
func ParseFile(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	var cur *Section
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		no := i + 1
		line := strings.TrimSpace(lines[i])
		for strings.HasSuffix(line, "\\") && !isComment(line) && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			// systemd.syntax(7): comment lines after a continued line
			// are dropped and the value goes on after them.
			if isComment(next) {
				continue
			}
			line = strings.TrimSuffix(line, "\\") + " " + next
		}
		switch {
		case line == "" || isComment(line):
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("%s:%d: malformed section header %q", path, no, line)
			}
			cur = &Section{Name: line[1 : len(line)-1]}
			f.Sections = append(f.Sections, cur)
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is not KEY=VALUE", path, no, line)
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: %q comes before any [Section]", path, no, line)
		}
		cur.Entries = append(cur.Entries, Entry{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), Line: no})
	}
	return f, nil
}

func isComment(line string) bool {
	return line != "" && (line[0] == '#' || line[0] == ';')
}

// Section returns the named section, or an empty one.
func (f *File) Section(name string) *Section {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return &Section{Name: name}
}

// Last is the last value of key in the section, as systemd reads
// single-valued keys.
func (s *Section) Last(key string) (string, bool) {
	v, ok := "", false
	for _, e := range s.Entries {
		if e.Key == key {
			v, ok = e.Value, true
		}
	}
	return v, ok
}

// SplitWords splits a value into words as systemd does for ExecStart= and
// Environment=: spaces separate, double and single quotes group, and a
// backslash escapes the next character.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs) && quote != '\'':
			i++
			cur.WriteRune(unescape(rs[i]))
			inWord = true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func unescape(r rune) rune {
	switch r {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	}
	return r
}
